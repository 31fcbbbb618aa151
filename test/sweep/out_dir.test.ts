/**
 * An --out directory that cannot be created must fail before the runs, in one line naming the
 * path — not "unexpected error: ENOTDIR …" after the whole grid has run.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../../src/errors.ts";
import { log } from "../../src/log.ts";
import { main } from "../../src/main.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

describe("sweep --out that cannot be created", () => {
  test("fails up front with the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emm-sweep-out-"));
    writeFileSync(join(dir, "afile"), "x");
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, JSON.stringify({ warmup_period_seconds: 120 }));
    const infos: string[] = [];
    const reporter = { log: (o: { type: string; args: unknown[] }) => void infos.push(o.args.map(String).join(" ")) };
    log.addReporter(reporter);
    let err: unknown;
    try {
      await main(["sweep", "--config", cfg, "--market", "BTC-USD", "--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet"),
        "--param", "risk_aversion_gamma=0.1,1", "--threads", "1", "--out", join(dir, "afile", "sub")]);
    } catch (e) {
      err = e;
    } finally {
      log.removeReporter(reporter);
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as Error).message).toContain(`--out ${join(dir, "afile", "sub")}: cannot create`);
    expect(infos.some((l) => /done/.test(l))).toBe(false); // no run was started
  });
});
