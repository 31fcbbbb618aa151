/**
 * Trades (or funding) recorded before the first order-book row cannot fill anything (there is no
 * mid, hence no quote) and the calibration ignores trades without an earlier book. They used to
 * start the run's clock, though: the equity grid, uptime, mean |inventory| and time at limit were
 * all measured from the first trade, so a few trades a day before the books (a REST backfill, a
 * trades collector started earlier) cut Sharpe from 23 to 6 and uptime from 100 % to 8 %.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { concatTrades, allocTrades } from "../../src/storage/batch.ts";
import { openTradeSource } from "../../src/storage/sources.ts";
import { writeTradePart } from "../../src/storage/parquet/index.ts";
import { withLogLines } from "../support/log_capture.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");
const BOOKS = join(SAMPLE, "orderbook.parquet");
const TRADES = join(SAMPLE, "trades.parquet");

async function withEarlyTrades(offsetMs: number, n: number): Promise<string> {
  const batches = [];
  for await (const b of openTradeSource(TRADES)) batches.push(b);
  const all = concatTrades(batches);
  const early = allocTrades(all.market, n, all.tradeId !== null);
  for (let i = 0; i < n; i++) {
    early.timestampMs[i] = all.timestampMs[0]! - offsetMs + i * 1000;
    early.price[i] = all.price[i]!;
    early.quantity[i] = all.quantity[i]!;
    early.side[i] = all.side[i]!;
    if (early.tradeId) early.tradeId[i] = -1n - BigInt(i);
  }
  const path = join(mkdtempSync(join(tmpdir(), "emm-early-")), "trades.parquet");
  await writeTradePart(path, concatTrades([early, all]));
  return path;
}

const config = v.parse(ConfigSchema, {
  warmup_period_seconds: 120,
  markets_config: { "BTC-USD": { tick_size: 1, lot_size: 0.0001, max_inventory: 0.01, order_notional: 100 } },
});
const run = (tradesPath: string, fillModel: "queue" | "cross") =>
  runBacktest({ config: { ...config, fill_model: fillModel }, dataDir: "unused", market: "BTC-USD", orderbookPath: BOOKS, tradesPath });

describe("events before the first order-book row", () => {
  for (const fm of ["queue", "cross"] as const) {
    test(`do not change any metric (${fm})`, async () => {
      const base = await run(TRADES, fm);
      expect(base.summary.total_fills).toBeGreaterThan(0);
      const early = await run(await withEarlyTrades(86_400_000, 10), fm);
      expect(early.summary).toEqual(base.summary);
      // every fill column but trade_index (an index into the trades kept)
      const { trade: _a, ...fillsEarly } = early.result.fills;
      const { trade: _b, ...fillsBase } = base.result.fills;
      expect(fillsEarly).toEqual(fillsBase);
    });
  }
  test("a warning when they span a minute or more; an info line for a few just before the books (a --from cut)", async () => {
    const warned = async (path: string) => (await withLogLines(() => run(path, "cross"), "warn")).lines.some((x) => /before the first order-book row ignored/.test(x));
    expect(await warned(await withEarlyTrades(86_400_000, 3))).toBe(true);
    expect(await warned(await withEarlyTrades(30_000, 3))).toBe(false);
  });
});

describe("events after the last order-book row", () => {
  async function withLateTrades(offsetMs: number): Promise<string> {
    const batches = [];
    for await (const b of openTradeSource(TRADES)) batches.push(b);
    const all = concatTrades(batches);
    const late = allocTrades(all.market, 3, all.tradeId !== null);
    for (let i = 0; i < 3; i++) {
      late.timestampMs[i] = all.timestampMs[all.length - 1]! + offsetMs + i;
      late.price[i] = all.price[i]!;
      late.quantity[i] = all.quantity[i]!;
      late.side[i] = all.side[i]!;
      if (late.tradeId) late.tradeId[i] = 10_000_000n + BigInt(i);
    }
    const path = join(mkdtempSync(join(tmpdir(), "emm-late-")), "trades.parquet");
    await writeTradePart(path, concatTrades([all, late]));
    return path;
  }
  const warned = async (path: string) => (await withLogLines(() => run(path, "cross"), "warn")).lines.some((x) => /after the last order-book row/.test(x));
  test("a tail of a minute or more without books is warned about (it stretches the clock and the close)", async () => {
    expect(await warned(await withLateTrades(3_600_000))).toBe(true);
    expect(await warned(TRADES)).toBe(false);
  });
});
