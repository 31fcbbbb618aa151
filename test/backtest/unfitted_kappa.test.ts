/**
 * When no trade can be used for the intensity fit (no taker side, as the legacy data of some
 * venues), every calibration falls back to κ = 100, A = 10: the quotes sit at the spread cap and
 * the run ends with zero fills. calculate_spread says so; the backtest said nothing.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { log } from "../../src/log.ts";
import { concatTrades } from "../../src/storage/batch.ts";
import { openTradeSource } from "../../src/storage/sources.ts";
import { Side } from "../../src/storage/types.ts";
import { writeTradePart } from "../../src/storage/write_parts.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

async function tradesWithoutSide(): Promise<string> {
  const batches = [];
  for await (const b of openTradeSource(join(SAMPLE, "trades.parquet"))) batches.push(b);
  const all = concatTrades(batches);
  all.side.fill(Side.unknown);
  const path = join(mkdtempSync(join(tmpdir(), "emm-noside-")), "trades.parquet");
  await writeTradePart(path, all);
  return path;
}

async function warningsOf(tradesPath: string): Promise<string[]> {
  const config = v.parse(ConfigSchema, { warmup_period_seconds: 120, markets_config: { "BTC-USD": { tick_size: 1, lot_size: 0.0001, max_inventory: 0.01, order_notional: 100 } } });
  const warnings: string[] = [];
  const reporter = { log: (o: { type: string; args: unknown[] }) => void (o.type === "warn" && warnings.push(o.args.map(String).join(" "))) };
  log.addReporter(reporter);
  try {
    await runBacktest({ config, dataDir: "unused", market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath, quiet: true, write: false });
  } finally {
    log.removeReporter(reporter);
  }
  return warnings;
}

describe("κ never fitted", () => {
  test("is warned about", async () => {
    const w = await warningsOf(await tradesWithoutSide());
    expect(w.some((x) => /κ and A were never fitted/.test(x))).toBe(true);
  });
  test("no warning when the trades have sides", async () => {
    const w = await warningsOf(join(SAMPLE, "trades.parquet"));
    expect(w.filter((x) => /never fitted/.test(x))).toEqual([]);
  });
});
