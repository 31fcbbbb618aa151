/**
 * "A day of data" for benchmarks: the real 2-hour StandX BTC-USD recording tiled 12 times
 * end to end (timestamps shifted by one recording span, seq and trade ids continued), written once
 * as standard parts under a temp data dir and reused by later runs.
 */
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBooks, concatTrades, sliceBook, sliceTrades } from "../../src/storage/batch.ts";
import { orderbookPartName, partName, partsDir } from "../../src/storage/layout.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";

export const DAY_MARKET = "BTC-USD";
const SHARED = join(import.meta.dir, "../../test/fixtures/standx-btc-usd-2h");

export async function dayDataDir(copies = 12): Promise<string> {
  const dataDir = join(tmpdir(), `emm-bench-day-${copies}`);
  const done = join(dataDir, ".complete");
  if (existsSync(done)) return dataDir;
  const books: BookBatch[] = [];
  for await (const b of openBookSource(join(SHARED, "orderbook.parquet"))) books.push(b);
  const trades: TradeBatch[] = [];
  for await (const t of openTradeSource(join(SHARED, "trades.parquet"))) trades.push(t);
  const b0 = concatBooks(books);
  const t0 = concatTrades(trades);
  const span = b0.timestampMs[b0.length - 1] - b0.timestampMs[0] + 300;
  const tile = <T extends BookBatch | TradeBatch>(x: T, k: number): T => {
    const y = structuredClone(x);
    for (let i = 0; i < y.length; i++) y.timestampMs[i] += k * span;
    if ("seq" in y) for (let i = 0; i < y.length; i++) y.seq[i] += BigInt(k * x.length);
    if ("tradeId" in y && y.tradeId) for (let i = 0; i < y.length; i++) y.tradeId[i] += BigInt(k * x.length);
    return y;
  };
  const book = concatBooks(Array.from({ length: copies }, (_, k) => ({ ...tile(b0, k), market: DAY_MARKET })));
  const tr = concatTrades(Array.from({ length: copies }, (_, k) => ({ ...tile(t0, k), market: DAY_MARKET })));
  const bookDir = partsDir(dataDir, DAY_MARKET, "orderbook");
  const tradeDir = partsDir(dataDir, DAY_MARKET, "trades");
  mkdirSync(bookDir, { recursive: true });
  for (let s = 0, k = 0; s < book.length; s += 25_000, k++) {
    const p = sliceBook(book, s, Math.min(book.length, s + 25_000));
    await writeBookPart(join(bookDir, orderbookPartName(p.timestampMs[0], p.seq[0], k)), p, { overwrite: true });
  }
  for (let s = 0, k = 0; s < tr.length; s += 50_000, k++) {
    const p = sliceTrades(tr, s, Math.min(tr.length, s + 50_000));
    await writeTradePart(join(tradeDir, partName(p.timestampMs[0], k)), p, { overwrite: true });
  }
  await Bun.write(done, "");
  return dataDir;
}

if (import.meta.main) console.log(await dayDataDir());
