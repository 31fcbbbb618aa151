/**
 * The real StandX BTC-USD recording as Extended frames, for tests: row r of orderbook.parquet is
 * seq r+1; frame r is a SNAPSHOT of row r (first frame of a connection) or the exact DELTA from
 * row r-1. Trades keep their (row-number) ids offset above 2^53, so id handling is exercised.
 */
import { join } from "node:path";
import { DecimalScale } from "../../src/exchange/decimal.ts";
import { encodeOrderbookMessage, encodeTradesMessage } from "../../src/exchange/encode.ts";
import type { Level, PublicTrade } from "../../src/exchange/messages.ts";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { readBookFile, readTradeFile } from "../../src/storage/parquet/index.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";

export const DATA_DIR = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
export const BOOK_FILE = join(DATA_DIR, "orderbook.parquet");
export const ID_BASE = 1992214670521405446n;
export const MARKET = "BTC-USD";

export interface Source {
  book: BookBatch;
  trades: TradeBatch;
  snapshot(row: number): string;
  delta(row: number): string;
  /** Book row r as a SNAPSHOT or as the DELTA from row r−1, with the given ts and seq (replays in passes). */
  bookMessage(row: number, type: "SNAPSHOT" | "DELTA", ts: number, seq: number): string;
  /** Trades frame for trade index i (one trade). */
  trade(i: number): string;
  tradeObj(i: number): PublicTrade;
}

let cached: Source | null = null;

export async function loadSource(): Promise<Source> {
  if (cached) return cached;
  const bb = [];
  for await (const b of readBookFile(BOOK_FILE)) bb.push(b);
  const book = concatBooks(bb);
  const tb = [];
  for await (const t of readTradeFile(join(DATA_DIR, "trades.parquet"))) tb.push(t);
  const trades = concatTrades(tb);
  const px = DecimalScale.ofDecimals(1);
  const qty = DecimalScale.ofDecimals(4);
  const maps = Array.from({ length: book.length }, (_, r) => {
    const b = new Map<number, number>();
    const a = new Map<number, number>();
    for (let i = 0; i < book.levels; i++) {
      if (!Number.isNaN(book.bidPx[i][r])) b.set(px.stepsOfNumber(book.bidPx[i][r])!, qty.stepsOfNumber(book.bidQty[i][r])!);
      if (!Number.isNaN(book.askPx[i][r])) a.set(px.stepsOfNumber(book.askPx[i][r])!, qty.stepsOfNumber(book.askQty[i][r])!);
    }
    return [b, a] as const;
  });
  const lv = (m: Map<number, number>): Level[] => [...m].map(([p, q]) => ({ p: px.format(p), q: qty.format(q) }));
  const diff = (prev: Map<number, number>, cur: Map<number, number>): Level[] => {
    const out: Level[] = [];
    for (const [p, q] of cur) if (prev.get(p) !== q) out.push({ p: px.format(p), q: qty.format(q - (prev.get(p) ?? 0)) });
    for (const [p, q] of prev) if (!cur.has(p)) out.push({ p: px.format(p), q: qty.format(-q) });
    return out;
  };
  const seqOf = (r: number) => Number(book.seq[r]);
  const tradeObj = (i: number): PublicTrade => ({
    market: MARKET,
    side: trades.side[i] === -1 ? "SELL" : "BUY",
    type: "TRADE",
    T: trades.timestampMs[i],
    p: String(trades.price[i]),
    q: String(trades.quantity[i]),
    id: ID_BASE + trades.tradeId![i],
  });
  const bookMessage = (r: number, type: "SNAPSHOT" | "DELTA", ts: number, seq: number) =>
    type === "SNAPSHOT"
      ? encodeOrderbookMessage({ ts, type, market: MARKET, seq, bids: lv(maps[r][0]), asks: lv(maps[r][1]) })
      : encodeOrderbookMessage({ ts, type, market: MARKET, seq, bids: diff(maps[r - 1][0], maps[r][0]), asks: diff(maps[r - 1][1], maps[r][1]) });
  cached = {
    book,
    trades,
    snapshot: (r) => bookMessage(r, "SNAPSHOT", book.timestampMs[r], seqOf(r)),
    delta: (r) => bookMessage(r, "DELTA", book.timestampMs[r], seqOf(r)),
    bookMessage,
    trade: (i) => encodeTradesMessage({ ts: trades.timestampMs[i], seq: i + 1, trades: [tradeObj(i)] }),
    tradeObj,
  };
  return cached;
}
