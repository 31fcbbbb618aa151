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
import { allocBook, concatTrades } from "../../src/storage/batch.ts";
import { openTradeSource } from "../../src/storage/sources.ts";
import { Side } from "../../src/storage/types.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { withLogLines } from "../support/log_capture.ts";

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
  const run = () => runBacktest({ config, dataDir: "unused", market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath });
  return (await withLogLines(run, "warn")).lines;
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

/**
 * A book centred on the last trade (so every trade prints at the touch) leaves κ at the end of its
 * search range: the likelihood keeps rising towards κ = 1, the quotes go to the spread cap and
 * nothing fills. calculate_spread warns about κ at the search bound; so must the backtest.
 */
describe("κ at its search bound", () => {
  test("is warned about (real Extended ETH-USD trades, a book centred on the last trade)", async () => {
    const ETH = join(import.meta.dir, "../fixtures/extended-eth-usd-trades-62min/trades.csv");
    const batches = [];
    for await (const b of openTradeSource(ETH)) batches.push(b);
    const tr = concatTrades(batches);
    const t0 = tr.timestampMs[0]! - 60_000, t1 = tr.timestampMs[tr.length - 1]!;
    const n = Math.floor((t1 - t0) / 500) + 1;
    const books = allocBook("ETH-USD", 5, n);
    let j = 0, px = tr.price[0]!;
    for (let k = 0; k < n; k++) {
      const t = t0 + k * 500;
      while (j < tr.length && tr.timestampMs[j]! <= t) px = tr.price[j++]!;
      const bid = Math.round((px - 0.05) * 10) / 10;
      books.timestampMs[k] = t;
      for (let l = 0; l < 5; l++) {
        books.bidPx[l]![k] = bid - 0.1 * l;
        books.askPx[l]![k] = bid + 0.1 + 0.1 * l;
        books.bidQty[l]![k] = books.askQty[l]![k] = 5;
      }
    }
    const dir = mkdtempSync(join(tmpdir(), "emm-kbound-"));
    await writeBookPart(join(dir, "book.parquet"), books);
    const config = v.parse(ConfigSchema, { warmup_period_seconds: 120, markets_config: { "ETH-USD": { tick_size: 0.1, lot_size: 0.001, max_inventory: 0.3, order_notional: 100 } } });
    const run = () => runBacktest({ config, dataDir: "unused", market: "ETH-USD", orderbookPath: join(dir, "book.parquet"), tradesPath: ETH });
    const { lines: warnings } = await withLogLines(run, "warn");
    expect(warnings.some((x) => /κ sits at its search bound \(1 or 1e6\) in \d+ of \d+ calibrations/.test(x))).toBe(true);
  });
});
