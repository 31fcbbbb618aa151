/**
 * A tiny equity_sample_seconds made the core allocate span/interval samples: the WASM memory
 * could not grow and the run died with "unexpected error: wasm core aborted at 33:29" (exit 1),
 * or took gigabytes. It is a config problem and must be reported as one (exit 2, naming the key).
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { MAX_EQUITY_SAMPLES } from "../../src/backtest/stream.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { loadSweepData, SweepEngine } from "../../src/sweep/engine.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const SAMPLE = join(import.meta.dir, "../../src/demo/sample"); // 20 minutes of BTC-USD

function run(cfg: object) {
  const dir = mkdtempSync(join(tmpdir(), "bt-samples-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
  const r = Bun.spawnSync([process.execPath, main, "backtest", "--market", "BTC-USD", "--quiet", "--output", join(dir, "out", "r.csv"),
    "--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet")], { cwd: dir, env: { ...process.env, LOG_LEVEL: "" } });
  return { code: r.exitCode, err: r.stderr.toString() };
}

const base = { warmup_period_seconds: 120, markets_config: { "BTC-USD": { tick_size: 1, lot_size: 0.0001, max_inventory: 0.01, order_notional: 100 } } };

describe("equity_sample_seconds too small for the data's span", () => {
  test("backtest: a one-line config error, exit 2", () => {
    const r = run({ ...base, equity_sample_seconds: 1e-6 });
    expect(r.err).toMatch(/equity_sample_seconds/);
    expect(r.err).not.toMatch(/wasm core aborted|unexpected error|\n\s+at /);
    expect(r.err.trim().split("\n").length).toBe(1);
    expect(r.code).toBe(2);
  });
  test("backtest: a fine but bounded interval still runs", () => {
    expect(run({ ...base, equity_sample_seconds: 0.5 }).code).toBe(0);
  });
  test("sweep: the run fails with the same message instead of aborting the core", async () => {
    const config = v.parse(ConfigSchema, base);
    const source = { dataDir: "unused", market: "BTC-USD", orderbook: join(SAMPLE, "orderbook.parquet"), trades: join(SAMPLE, "trades.parquet") };
    const engine = new SweepEngine(source, (await loadSweepData(source, config)).data);
    expect(() => engine.run({ ...config, equity_sample_seconds: 1e-6 })).toThrow(/equity_sample_seconds/);
    expect(engine.run({ ...config, equity_sample_seconds: 1 }).fills).toBeGreaterThan(0);
    expect(MAX_EQUITY_SAMPLES).toBeGreaterThan(20 * 60 * 2); // 0.5 s over the 20-minute sample fits
  });
});
