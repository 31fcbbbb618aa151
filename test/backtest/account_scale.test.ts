// Issue 13 item 2: the accounting check's tolerance follows the run's size, so every capital the
// config allows passes ($1 to $1e9; a fixed 1e-9 failed at $1e7), and absurd values are refused
// at load (exit 2 naming the key) instead of failing at the end of a run.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { reconcile } from "../../src/backtest/metrics.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { ConfigError, UsageError } from "../../src/errors.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

describe("accounting check relative to scale", () => {
  for (const capital of [1, 1e3, 1e7, 1e9]) {
    test(`capital $${capital}, notional scaled with it: the run passes its accounting check`, async () => {
      const config = v.parse(ConfigSchema, { warmup_period_seconds: 60, fill_model: "cross", max_inventory: 1e9, leverage: 5 });
      const out = await runBacktest({
        config, dataDir: SAMPLE, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"),
        tradesPath: join(SAMPLE, "trades.parquet"), capital, notional: capital / 10,
      });
      expect(out.summary.total_fills).toBeGreaterThan(10);
      const { diff, tolerance } = reconcile(out.result, capital);
      expect(diff).toBeLessThanOrEqual(tolerance);
      // the tolerance is about the money moved, not a blanket: far below a cent per $1,000 of capital
      expect(tolerance).toBeLessThan(1e-5 * Math.max(capital, 1) * (1 + out.summary.turnover));
      expect(tolerance).toBeGreaterThan(0);
    }, 60_000);
  }

  test("a wrong final equity is caught at every scale (the check can fail)", async () => {
    const config = v.parse(ConfigSchema, { warmup_period_seconds: 60, fill_model: "cross", max_inventory: 1e9 });
    const out = await runBacktest({
      config, dataDir: SAMPLE, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"),
      tradesPath: join(SAMPLE, "trades.parquet"), capital: 1e9, notional: 1e8,
    });
    const ok = reconcile(out.result, 1e9);
    expect(ok.diff).toBeLessThanOrEqual(ok.tolerance);
    const bad = reconcile(out.result, 1e9 - 0.01); // one cent missing
    expect(bad.diff).toBeGreaterThan(bad.tolerance);
  }, 60_000);
});

describe("config ranges", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ initial_capital: 1e15 }, /^x\.json: initial_capital: expected <=1000000000, got 1000000000000000$/],
    [{ initial_capital: 0.5 }, /initial_capital: expected >=1/],
    [{ order_notional: 1e12 }, /order_notional: expected <=1000000000/],
    [{ leverage: 500 }, /leverage: expected <=100/],
    [{ leverage: 0.5 }, /leverage: expected >=1/],
    [{ maintenance_margin_ratio: 0.9 }, /maintenance_margin_ratio: expected <=0.5/],
    [{ leverage: 10, maintenance_margin_ratio: 0.2 }, /maintenance_margin_ratio: expected a value < 1 \/ leverage \(0\.1\), got 0\.2/],
    [{ markets_config: { "BTC-USD": { leverage: 20, maintenance_margin_ratio: 0.06 } } }, /markets_config\.BTC-USD\.maintenance_margin_ratio: expected a value < 1 \/ leverage/],
    [{ markets_config: { "BTC-USD": { max_inventory: 1e12 } } }, /markets_config\.BTC-USD\.max_inventory: expected <=1000000000/],
    [{ queue_power: 50 }, /queue_power: expected <=10/],
    [{ liquidation_fee_bps: -1 }, /liquidation_fee_bps: expected >=0/],
    [{ equity_sample_seconds: 1e6 }, /equity_sample_seconds: expected <=86400/],
  ];
  for (const [raw, msg] of cases) {
    test(`${JSON.stringify(raw)} is refused at load, naming the key`, () => {
      let err: unknown;
      try {
        parseConfig(raw, "x.json");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(msg);
    });
  }

  test("--capital / --notional outside the config's range are usage errors naming the flag", async () => {
    const config = v.parse(ConfigSchema, {});
    const go = (o: { capital?: number; notional?: number }) =>
      runBacktest({ config, dataDir: SAMPLE, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet"), ...o });
    await expect(go({ capital: 1e15 })).rejects.toThrow(/^--capital \(initial_capital: expected <=1000000000, got 1000000000000000\)$/);
    await expect(go({ notional: 2e9 })).rejects.toBeInstanceOf(UsageError);
  });
});
