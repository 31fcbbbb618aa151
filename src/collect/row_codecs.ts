/**
 * Fixed-size binary records for the journal, one codec per stream, moving one row between a
 * columnar batch (storage/types.ts) and a journal record without per-row objects.
 */
import { allocBook, allocFunding, allocTrades, sliceBook, sliceFunding, sliceTrades, takeTrades } from "../storage/batch.ts";
import { orderbookPartName, partName, type Stream } from "../storage/layout.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "../storage/types.ts";
import { writeBookPart, writeFundingPart, writeTradePart, type WrittenPart } from "../storage/parquet/index.ts";

export interface RowCodec<B extends { length: number }> {
  stream: Stream;
  recordBytes: number;
  levels?: number;
  alloc(market: string, capacity: number): B;
  /** Row `row` of `b` → record at `off`. */
  encode(b: B, row: number, v: DataView, off: number): void;
  /** Record at `off` → row `row` of `b`. */
  decode(v: DataView, off: number, b: B, row: number): void;
  /** The first `n` rows as they are published (views, or a time-ordered copy for trades). */
  head(b: B, n: number): B;
  fileName(b: B, part: number): string;
  write(path: string, b: B): Promise<WrittenPart>;
}

export function bookCodec(levels: number): RowCodec<BookBatch> {
  return {
    stream: "orderbook",
    levels,
    recordBytes: 16 + 32 * levels,
    alloc: (market, capacity) => allocBook(market, levels, capacity),
    encode(b, row, v, off) {
      v.setFloat64(off, b.timestampMs[row], true);
      v.setBigInt64(off + 8, b.seq[row], true);
      let o = off + 16;
      for (let i = 0; i < levels; i++, o += 32) {
        v.setFloat64(o, b.bidPx[i][row], true);
        v.setFloat64(o + 8, b.bidQty[i][row], true);
        v.setFloat64(o + 16, b.askPx[i][row], true);
        v.setFloat64(o + 24, b.askQty[i][row], true);
      }
    },
    decode(v, off, b, row) {
      b.timestampMs[row] = v.getFloat64(off, true);
      b.seq[row] = v.getBigInt64(off + 8, true);
      let o = off + 16;
      for (let i = 0; i < levels; i++, o += 32) {
        b.bidPx[i][row] = v.getFloat64(o, true);
        b.bidQty[i][row] = v.getFloat64(o + 8, true);
        b.askPx[i][row] = v.getFloat64(o + 16, true);
        b.askQty[i][row] = v.getFloat64(o + 24, true);
      }
    },
    head: (b, n) => sliceBook(b, 0, n),
    fileName: (b, part) => orderbookPartName(b.timestampMs[0], b.seq[0] < 0n ? 0n : b.seq[0], part),
    write: (path, b) => writeBookPart(path, b),
  };
}

export const tradeCodec: RowCodec<TradeBatch> = {
  stream: "trades",
  recordBytes: 34,
  alloc: (market, capacity) => allocTrades(market, capacity, true),
  encode(b, row, v, off) {
    v.setFloat64(off, b.timestampMs[row], true);
    v.setFloat64(off + 8, b.price[row], true);
    v.setFloat64(off + 16, b.quantity[row], true);
    v.setBigInt64(off + 24, b.tradeId![row], true);
    v.setInt8(off + 32, b.side[row]);
    v.setUint8(off + 33, b.tradeType[row]);
  },
  decode(v, off, b, row) {
    b.timestampMs[row] = v.getFloat64(off, true);
    b.price[row] = v.getFloat64(off + 8, true);
    b.quantity[row] = v.getFloat64(off + 16, true);
    b.tradeId![row] = v.getBigInt64(off + 24, true);
    b.side[row] = v.getInt8(off + 32);
    b.tradeType[row] = v.getUint8(off + 33);
  },
  head: (b, n) => inTimeOrder(sliceTrades(b, 0, n)),
  fileName: (b, part) => partName(b.timestampMs[0], part),
  write: (path, b) => writeTradePart(path, b),
};

export const fundingCodec: RowCodec<FundingBatch> = {
  stream: "funding",
  recordBytes: 16,
  alloc: (market, capacity) => allocFunding(market, capacity),
  encode(b, row, v, off) {
    v.setFloat64(off, b.timestampMs[row], true);
    v.setFloat64(off + 8, b.fundingRate[row], true);
  },
  decode(v, off, b, row) {
    b.timestampMs[row] = v.getFloat64(off, true);
    b.fundingRate[row] = v.getFloat64(off + 8, true);
  },
  head: (b, n) => sliceFunding(b, 0, n),
  fileName: (b, part) => partName(b.timestampMs[0], part),
  write: (path, b) => writeFundingPart(path, b),
};

/**
 * Trades in (time, id) order. The stream may deliver trades out of sequence and the dedup window
 * keeps them; within a part they are put back in time order (a sort only when needed: in-order
 * arrival is the normal case), so readers that take parts in stored order see no regression.
 */
function inTimeOrder(b: TradeBatch): TradeBatch {
  const ts = b.timestampMs;
  const id = b.tradeId;
  const before = (i: number, j: number) => ts[i] < ts[j] || (ts[i] === ts[j] && id !== null && id[i] < id[j]);
  let sorted = true;
  for (let i = 1; i < b.length && sorted; i++) if (before(i, i - 1)) sorted = false;
  if (sorted) return b;
  const idx = Int32Array.from({ length: b.length }, (_, i) => i).sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : i - j));
  return takeTrades(b, idx);
}
