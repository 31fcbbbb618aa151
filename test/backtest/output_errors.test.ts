/**
 * An --output that cannot be written is the user's path problem: one line naming the path, exit 1,
 * as calculate_spread does — not "unexpected error: EEXIST: file already exists, mkdir …".
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const main = join(import.meta.dir, "../../src/main.ts");
const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

describe("backtest --output that cannot be written", () => {
  test("a file where the output directory should be", () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-out-"));
    writeFileSync(join(dir, "afile"), "x");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ warmup_period_seconds: 120, tick_size: 1 }));
    const out = join(dir, "afile", "r.csv");
    const r = Bun.spawnSync([process.execPath, main, "backtest", "--market", "BTC-USD", "--quiet", "--output", out,
      "--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet")], { cwd: dir, env: { ...process.env, LOG_LEVEL: "" } });
    const err = r.stderr.toString();
    expect(r.exitCode).toBe(1);
    const errors = err.trim().split("\n").filter((l) => !l.startsWith("[warn]"));
    expect(errors.length).toBe(1);
    expect(err).toContain(`--output ${out}: cannot write`);
    expect(err).not.toContain("unexpected error");
  });
});
