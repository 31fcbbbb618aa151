/**
 * calculate_spread's final "partial window" row is a calibration at the last snapshot's ts. The
 * trades after that snapshot had already been fed to the engine (the merge visits them last), so
 * the row used up to calibration_max_gap_seconds of trades from after its own timestamp — a
 * look-ahead the original did not have (it only added trades with ts ≤ the snapshot's). The final
 * row must equal the one computed without those trades; every earlier row is unchanged.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { quoteParamsFromConfig } from "../../src/model/quote.ts";
import { SpreadSeries, spreadQuoteParams } from "../../src/model/spread_series.ts";
import { concatBooks, concatTrades, sliceBook, sliceTrades } from "../../src/storage/batch.ts";
import { forEachEvent } from "../../src/storage/events.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function series(books: BookBatch, trades: TradeBatch) {
  const config = v.parse(ConfigSchema, { tick_size: 1 });
  const s = new SpreadSeries(engineOptionsFromConfig(config), spreadQuoteParams(quoteParamsFromConfig(config, resolveMarket(config, "BTC-USD"))), config.effective_volume_threshold);
  forEachEvent({ books: [books], trades: [trades], funding: [], last: true }, (b, i) => s.onBook(b, i), (t, j) => s.onTrade(t, j));
  s.finish();
  return s;
}

describe("calculate_spread final row", () => {
  test("uses no trade after its timestamp", async () => {
    const books = concatBooks(await all(openBookSource(join(SAMPLE, "orderbook.parquet"), { seq: false })));
    const trades = concatTrades(await all(openTradeSource(join(SAMPLE, "trades.parquet"))));
    // books end at row 3000 (about 16 minutes in); the trades go on
    const b = sliceBook(books, 0, 3000);
    const lastTs = b.timestampMs[b.length - 1]!;
    let cut = 0;
    while (cut < trades.length && trades.timestampMs[cut]! <= lastTs) cut++;
    let after60 = cut;
    while (after60 < trades.length && trades.timestampMs[after60]! <= lastTs + 60_000) after60++;
    expect(after60 - cut).toBeGreaterThan(20); // trades that a look-ahead would have used
    const withTail = series(b, trades);
    const without = series(b, sliceTrades(trades, 0, cut));
    expect(withTail.rows.length).toBe(without.rows.length);
    const last = withTail.rows[withTail.rows.length - 1]!, ref = without.rows[without.rows.length - 1]!;
    expect(last.ts).toBe(lastTs);
    expect(last.cal).toEqual(ref.cal);
    expect(last.quote).toEqual(ref.quote);
    for (let k = 0; k < withTail.rows.length - 1; k++) expect(withTail.rows[k]!.cal).toEqual(without.rows[k]!.cal);
  });
});
