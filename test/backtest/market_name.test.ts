/**
 * Data recorded for another market than --market are backtested with the wrong market's tick,
 * lot, limits and fees; calculate_spread warns about it, the backtest said nothing.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { withLogLines } from "../support/log_capture.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample"); // BTC-USD

async function warningsFor(market: string): Promise<string[]> {
  const config = v.parse(ConfigSchema, { warmup_period_seconds: 120, tick_size: 1 });
  const run = () => runBacktest({
    config, dataDir: "unused", market,
    orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet"),
  });
  return (await withLogLines(run, "warn")).lines;
}

describe("files naming another market", () => {
  test("are warned about", async () => {
    const w = await warningsFor("ETH-USD");
    expect(w.some((x) => /the data names market BTC-USD, not ETH-USD/.test(x))).toBe(true);
  });
  test("the right market gives no such warning", async () => {
    const w = await warningsFor("BTC-USD");
    expect(w.filter((x) => /the data names market/.test(x))).toEqual([]);
  });
});
