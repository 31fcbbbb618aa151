import { Side, TradeType, type BookBatch, type TradeBatch } from "../../src/storage/types.ts";

/**
 * Clean synthetic market data for the verify tests: a book row every 100 ms with contiguous seq,
 * strictly ordered levels around a slowly moving mid, and trades inside the spread.
 */
export const T0 = 1_767_000_000_000;

export function cleanBook(n: number, levels = 5, market = "TEST-USD", t0 = T0, seq0 = 1): BookBatch {
  const mk = () => Array.from({ length: levels }, () => new Float64Array(n));
  const b: BookBatch = {
    market,
    length: n,
    levels,
    timestampMs: new Float64Array(n),
    seq: new BigInt64Array(n),
    bidPx: mk(),
    bidQty: mk(),
    askPx: mk(),
    askQty: mk(),
  };
  for (let r = 0; r < n; r++) {
    b.timestampMs[r] = t0 + r * 100;
    b.seq[r] = BigInt(seq0 + r);
    const mid = 1000 + Math.round(10 * Math.sin(r / 50)) / 10;
    for (let i = 0; i < levels; i++) {
      b.bidPx[i][r] = Math.round((mid - 0.5 - i * 0.1) * 10) / 10;
      b.askPx[i][r] = Math.round((mid + 0.5 + i * 0.1) * 10) / 10;
      b.bidQty[i][r] = 1 + i;
      b.askQty[i][r] = 2 + i;
    }
  }
  return b;
}

/** One trade every 250 ms from 50 ms after the first book row, at the mid (inside every spread). */
export function cleanTrades(book: BookBatch, market = book.market): TradeBatch {
  const span = book.timestampMs[book.length - 1] - book.timestampMs[0];
  const n = Math.floor((span - 100) / 250);
  const t: TradeBatch = {
    market,
    length: n,
    timestampMs: new Float64Array(n),
    price: new Float64Array(n),
    quantity: new Float64Array(n),
    side: new Int8Array(n),
    tradeId: new BigInt64Array(n),
    tradeType: new Uint8Array(n).fill(TradeType.trade),
  };
  for (let k = 0; k < n; k++) {
    const ts = book.timestampMs[0] + 50 + k * 250;
    const r = Math.floor((ts - book.timestampMs[0]) / 100);
    t.timestampMs[k] = ts;
    t.price[k] = (book.bidPx[0][r] + book.askPx[0][r]) / 2;
    t.quantity[k] = 0.01 * (1 + (k % 7));
    t.side[k] = k % 2 ? Side.buy : Side.sell;
    t.tradeId![k] = 9_007_199_254_740_993n + BigInt(k); // above 2^53 on purpose
  }
  return t;
}

/** The rows `idx` of a book (repeats and reordering allowed): used to inject duplicates, gaps, swaps. */
export function pickBook(b: BookBatch, idx: number[]): BookBatch {
  const f = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]);
  return {
    ...b,
    length: idx.length,
    timestampMs: f(b.timestampMs),
    seq: BigInt64Array.from(idx, (i) => b.seq[i]),
    bidPx: b.bidPx.map(f),
    bidQty: b.bidQty.map(f),
    askPx: b.askPx.map(f),
    askQty: b.askQty.map(f),
  };
}

export function pickTrades(t: TradeBatch, idx: number[]): TradeBatch {
  const f = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]);
  return {
    ...t,
    length: idx.length,
    timestampMs: f(t.timestampMs),
    price: f(t.price),
    quantity: f(t.quantity),
    side: Int8Array.from(idx, (i) => t.side[i]),
    tradeType: Uint8Array.from(idx, (i) => t.tradeType[i]),
    tradeId: t.tradeId ? BigInt64Array.from(idx, (i) => t.tradeId![i]) : null,
  };
}

export function cloneBook(b: BookBatch): BookBatch {
  return pickBook(b, Array.from({ length: b.length }, (_, i) => i));
}

export function cloneTrades(t: TradeBatch): TradeBatch {
  return pickTrades(t, Array.from({ length: t.length }, (_, i) => i));
}

export const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
