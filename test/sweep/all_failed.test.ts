/**
 * A sweep in which every run failed produced an empty ranking and exit code 0, so a script could
 * not tell it from a success. It must exit non-zero with one line giving the first error (the
 * CSV and HTML, which list each failure, are still written).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../../src/errors.ts";
import { main } from "../../src/main.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

describe("sweep with every run failed", () => {
  test("is an error, outputs still written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emm-sweep-fail-"));
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, JSON.stringify({ warmup_period_seconds: 120, equity_sample_seconds: 1e-4 }));
    const orig = console.log;
    console.log = () => {};
    let err: unknown;
    try {
      await main(["sweep", "--config", cfg, "--log-level", "silent", "--market", "BTC-USD", "--orderbook", join(SAMPLE, "orderbook.parquet"),
        "--trades", join(SAMPLE, "trades.parquet"), "--param", "risk_aversion_gamma=0.1,1", "--threads", "1", "--out", dir]);
    } catch (e) {
      err = e;
    } finally {
      console.log = orig;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/all 2 runs failed.*equity_sample_seconds/);
    expect(existsSync(join(dir, "sweep_results.csv"))).toBe(true);
  });
});
