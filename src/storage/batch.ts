/**
 * Small helpers over the columnar batches of types.ts: allocate, slice (zero-copy views),
 * concatenate (copy), and filter by time. No per-row objects.
 */
import { Side, TradeType, type BookBatch, type FundingBatch, type TradeBatch } from "./types.ts";

/** A book batch of `length` rows, every level NaN, seq 0. */
export function allocBook(market: string, levels: number, length: number): BookBatch {
  const side = () => Array.from({ length: levels }, () => new Float64Array(length).fill(NaN));
  return {
    market,
    length,
    levels,
    timestampMs: new Float64Array(length),
    seq: new BigInt64Array(length),
    bidPx: side(),
    bidQty: side(),
    askPx: side(),
    askQty: side(),
  };
}

/** A trade batch of `length` rows with unknown side, type TRADE and the given id presence. */
export function allocTrades(market: string, length: number, withIds = true): TradeBatch {
  return {
    market,
    length,
    timestampMs: new Float64Array(length),
    price: new Float64Array(length),
    quantity: new Float64Array(length),
    side: new Int8Array(length).fill(Side.unknown),
    tradeId: withIds ? new BigInt64Array(length) : null,
    tradeType: new Uint8Array(length).fill(TradeType.trade),
  };
}

export function allocFunding(market: string, length: number): FundingBatch {
  return { market, length, timestampMs: new Float64Array(length), fundingRate: new Float64Array(length) };
}

/** Rows [start, end) as views sharing the batch's buffers. */
export function sliceBook(b: BookBatch, start: number, end: number): BookBatch {
  const s = <T extends Float64Array | BigInt64Array>(a: T) => a.subarray(start, end) as T;
  return {
    market: b.market,
    length: end - start,
    levels: b.levels,
    timestampMs: s(b.timestampMs),
    seq: s(b.seq),
    bidPx: b.bidPx.map(s),
    bidQty: b.bidQty.map(s),
    askPx: b.askPx.map(s),
    askQty: b.askQty.map(s),
  };
}

export function sliceTrades(t: TradeBatch, start: number, end: number): TradeBatch {
  return {
    market: t.market,
    length: end - start,
    timestampMs: t.timestampMs.subarray(start, end),
    price: t.price.subarray(start, end),
    quantity: t.quantity.subarray(start, end),
    side: t.side.subarray(start, end),
    tradeId: t.tradeId ? t.tradeId.subarray(start, end) : null,
    tradeType: t.tradeType.subarray(start, end),
  };
}

export function sliceFunding(f: FundingBatch, start: number, end: number): FundingBatch {
  return { market: f.market, length: end - start, timestampMs: f.timestampMs.subarray(start, end), fundingRate: f.fundingRate.subarray(start, end) };
}

function concatArrays<T extends Float64Array | BigInt64Array | Int8Array | Uint8Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    (out as unknown as { set(a: T, o: number): void }).set(p, off);
    off += p.length;
  }
  return out;
}

/** Concatenation (copy) of book batches with the same level count. */
export function concatBooks(batches: BookBatch[]): BookBatch {
  if (batches.length === 0) throw new RangeError("concatBooks needs at least one batch");
  const levels = batches[0].levels;
  const f = (n: number) => new Float64Array(n);
  const lv = (pick: (b: BookBatch) => Float64Array[]) => Array.from({ length: levels }, (_, i) => concatArrays(batches.map((b) => pick(b)[i]), f));
  return {
    market: batches[0].market,
    length: batches.reduce((n, b) => n + b.length, 0),
    levels,
    timestampMs: concatArrays(batches.map((b) => b.timestampMs), f),
    seq: concatArrays(batches.map((b) => b.seq), (n) => new BigInt64Array(n)),
    bidPx: lv((b) => b.bidPx),
    bidQty: lv((b) => b.bidQty),
    askPx: lv((b) => b.askPx),
    askQty: lv((b) => b.askQty),
  };
}

/** Concatenation (copy); trade ids are kept only if every batch has them. */
export function concatTrades(batches: TradeBatch[]): TradeBatch {
  if (batches.length === 0) throw new RangeError("concatTrades needs at least one batch");
  const f = (n: number) => new Float64Array(n);
  const ids = batches.every((b) => b.tradeId !== null);
  return {
    market: batches[0].market,
    length: batches.reduce((n, b) => n + b.length, 0),
    timestampMs: concatArrays(batches.map((b) => b.timestampMs), f),
    price: concatArrays(batches.map((b) => b.price), f),
    quantity: concatArrays(batches.map((b) => b.quantity), f),
    side: concatArrays(batches.map((b) => b.side), (n) => new Int8Array(n)),
    tradeId: ids ? concatArrays(batches.map((b) => b.tradeId!), (n) => new BigInt64Array(n)) : null,
    tradeType: concatArrays(batches.map((b) => b.tradeType), (n) => new Uint8Array(n)),
  };
}

export function concatFunding(batches: FundingBatch[]): FundingBatch {
  if (batches.length === 0) throw new RangeError("concatFunding needs at least one batch");
  const f = (n: number) => new Float64Array(n);
  return {
    market: batches[0].market,
    length: batches.reduce((n, b) => n + b.length, 0),
    timestampMs: concatArrays(batches.map((b) => b.timestampMs), f),
    fundingRate: concatArrays(batches.map((b) => b.fundingRate), f),
  };
}

/** Indices of rows with fromMs ≤ ts < toMs, or null when every row qualifies. */
export function timeMask(ts: Float64Array, fromMs: number | undefined, toMs: number | undefined): Int32Array | null {
  if (fromMs === undefined && toMs === undefined) return null;
  const lo = fromMs ?? -Infinity;
  const hi = toMs ?? Infinity;
  let keep = 0;
  for (let i = 0; i < ts.length; i++) if (ts[i] >= lo && ts[i] < hi) keep++;
  if (keep === ts.length) return null;
  const idx = new Int32Array(keep);
  let k = 0;
  for (let i = 0; i < ts.length; i++) if (ts[i] >= lo && ts[i] < hi) idx[k++] = i;
  return idx;
}

function pick<T extends Float64Array | BigInt64Array | Int8Array | Uint8Array>(a: T, idx: Int32Array): T {
  const out = new (a.constructor as new (n: number) => T)(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = a[idx[k]];
  return out;
}

export function takeBook(b: BookBatch, idx: Int32Array): BookBatch {
  const p = (a: Float64Array) => pick(a, idx);
  return {
    market: b.market,
    length: idx.length,
    levels: b.levels,
    timestampMs: p(b.timestampMs),
    seq: pick(b.seq, idx),
    bidPx: b.bidPx.map(p),
    bidQty: b.bidQty.map(p),
    askPx: b.askPx.map(p),
    askQty: b.askQty.map(p),
  };
}

export function takeTrades(t: TradeBatch, idx: Int32Array): TradeBatch {
  return {
    market: t.market,
    length: idx.length,
    timestampMs: pick(t.timestampMs, idx),
    price: pick(t.price, idx),
    quantity: pick(t.quantity, idx),
    side: pick(t.side, idx),
    tradeId: t.tradeId ? pick(t.tradeId, idx) : null,
    tradeType: pick(t.tradeType, idx),
  };
}

export function takeFunding(f: FundingBatch, idx: Int32Array): FundingBatch {
  return { market: f.market, length: idx.length, timestampMs: pick(f.timestampMs, idx), fundingRate: pick(f.fundingRate, idx) };
}
