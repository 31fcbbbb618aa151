/**
 * The compact, validated event data the simulation loop runs over (TS reference and WASM core
 * alike). Built incrementally from storage batches, so a multi-part market can be appended
 * chunk by chunk; only what the loop needs is kept:
 *   books:  ts, best bid, best ask, farthest bid and ask (f64) and, for the queue model only, every
 *           level as integer ticks (i32, see encodeTick) and size (f32) — 40 B/row without levels,
 *           +8 B per level per side;
 *   trades: ts, price, quantity (f64), taker side (i8: 1 buy, −1 sell, 0 unknown);
 *   funding: ts, rate (f64).
 * Bad rows are rejected here with one-line DataErrors (or dropped and counted where that is the
 * documented handling), so the loop itself never sees NaN.
 */
import { DataError } from "../errors.ts";
import { BAD, KEPT, TradeCleaner } from "../storage/trade_clean.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "../storage/types.ts";

export interface EventData {
  nBooks: number;
  /** Levels per side stored in bidTk/askTk/bidQ/askQ (0 when levels are not kept). */
  levels: number;
  /** Price grid of the level ticks. */
  tickSize: number;
  bookTs: Float64Array;
  bestBid: Float64Array;
  bestAsk: Float64Array;
  /** Deepest level present per side (0 if none): the calibration's exposure range. */
  farBid: Float64Array;
  farAsk: Float64Array;
  bidTk: Int32Array;
  bidQ: Float32Array;
  askTk: Int32Array;
  askQ: Float32Array;
  nTrades: number;
  tradeTs: Float64Array;
  tradePx: Float64Array;
  tradeQty: Float64Array;
  tradeSide: Int8Array;
  nFunding: number;
  fundingTs: Float64Array;
  fundingRate: Float64Array;
}

/** Time of the first and last event (book, trade or funding); ±Infinity when there is none. */
export function eventSpan(d: EventData): { firstTs: number; lastTs: number } {
  const { nBooks: nB, nTrades: nT, nFunding: nF } = d;
  return {
    firstTs: Math.min(nB ? d.bookTs[0]! : Infinity, nT ? d.tradeTs[0]! : Infinity, nF ? d.fundingTs[0]! : Infinity),
    lastTs: Math.max(nB ? d.bookTs[nB - 1]! : -Infinity, nT ? d.tradeTs[nT - 1]! : -Infinity, nF ? d.fundingTs[nF - 1]! : -Infinity),
  };
}

export interface BuildStats {
  /** Trades dropped because price or quantity was NaN or ≤ 0. */
  badTrades: number;
  /** Trades dropped because they repeat the previous trade exactly (ts, price, qty, side, id). */
  duplicateTrades: number;
  /** Book rows with a missing or non-positive best bid or ask (the loop reuses the last mid). */
  oneSidedBooks: number;
  /** Book rows whose best bid is above the best ask (kept: mid is still defined; quotes are post-only). */
  crossedBooks: number;
}

/**
 * Level price → i32: the tick count when the price is on the quote grid (≥ 0); −1 = no level;
 * a price between ticks f and f+1 (data on a finer grid than the market's tick, e.g. StandX 0.1
 * books with a 1-dollar tick) is −(f + 2): it can never equal one of our (on-grid) quotes but
 * still tells how deep the recorded book reaches.
 */
export function encodeTick(px: number, invTick: number): number {
  const x = px * invTick;
  const n = Math.round(x);
  if (Math.abs(x - n) <= Math.max(1e-9, 16 * Number.EPSILON * Math.abs(x))) return n;
  return -(Math.floor(x) + 2);
}

export interface DataQuality {
  bad_trades: number;
  duplicate_trades: number;
  one_sided_books: number;
  crossed_books: number;
  /** Unreadable Parquet parts read past with --skip-bad-parts (without it they stop the run). */
  skipped_parts: { file: string; reason: string }[];
}

/** The BuildStats counts (and the parts skipped) under their summary.json / --json names. */
export function dataQuality(st: BuildStats, skipped: readonly { path: string; reason: string }[] = []): DataQuality {
  return {
    bad_trades: st.badTrades, duplicate_trades: st.duplicateTrades, one_sided_books: st.oneSidedBooks, crossed_books: st.crossedBooks,
    skipped_parts: skipped.map((x) => ({ file: x.path, reason: x.reason })),
  };
}

/** Every counted defect of the input, skipped parts included. */
export function defectCount(q: DataQuality): number {
  return q.bad_trades + q.duplicate_trades + q.one_sided_books + q.crossed_books + q.skipped_parts.length;
}

/** Level ticks are i32 (the core's layout); larger counts would wrap silently. */
const MAX_TICK = 2 ** 31 - 2;

function grow<T extends Float64Array | Float32Array | Int32Array | Int8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const C = a.constructor as new (n: number) => T;
  const out = new C(Math.max(need, a.length * 2, 1024));
  out.set(a);
  return out;
}

export interface PreallocatedArrays {
  bookTs: Float64Array; bestBid: Float64Array; bestAsk: Float64Array; farBid: Float64Array; farAsk: Float64Array;
  bidTk: Int32Array; bidQ: Float32Array; askTk: Int32Array; askQ: Float32Array;
  tradeTs: Float64Array; tradePx: Float64Array; tradeQty: Float64Array; tradeSide: Int8Array;
}

/** Builds EventData from batches appended in time order (books, trades and funding independently). */
export class EventDataBuilder {
  private nB = 0;
  private nT = 0;
  private nF = 0;
  private bookTs = new Float64Array(0);
  private bestBid = new Float64Array(0);
  private bestAsk = new Float64Array(0);
  private farBid = new Float64Array(0);
  private farAsk = new Float64Array(0);
  private bidTk = new Int32Array(0);
  private bidQ = new Float32Array(0);
  private askTk = new Int32Array(0);
  private askQ = new Float32Array(0);
  private tradeTs = new Float64Array(0);
  private tradePx = new Float64Array(0);
  private tradeQty = new Float64Array(0);
  private tradeSide = new Int8Array(0);
  private fundingTs = new Float64Array(0);
  private fundingRate = new Float64Array(0);
  // the last accepted row of each stream, across chunks (order and duplicate checks)
  private lastBookTs = -Infinity;
  private lastTr = { ts: -Infinity };
  /** The trade-cleaning rule every command shares (bad and duplicate trades). */
  private readonly cleaner = new TradeCleaner();
  private lastFundingTs = -Infinity;
  /** Time of the first book row (Infinity before any): earlier trades and funding are dropped. */
  private firstBookTs = Infinity;
  /**
   * Trades and funding prints before the first book row, dropped: nothing can quote or fill
   * without a mid (and the calibration ignores trades without an earlier book), but they would
   * start the run's clock and dilute every time-based metric (equity grid, uptime, Sharpe).
   * Books are always added before the trades and funding of the same time range.
   */
  readonly beforeFirstBook = { trades: 0, funding: 0, firstTs: Infinity, bookTs: Infinity };
  /** Market names the book and trade batches carry (to warn when they are not the market run). */
  readonly markets = new Set<string>();
  readonly stats: BuildStats = { badTrades: 0, duplicateTrades: 0, oneSidedBooks: 0, crossedBooks: 0 };

  /** Arrays owned by someone else (e.g. the WASM core's memory), fixed capacity. */
  private fixed = false;

  /**
   * @param levels levels per side to keep for the queue model (0 for cross/strict: 40 B/row).
   * @param tickSize grid for level prices in integer ticks.
   * @param hint expected row counts, to allocate once.
   * @param prealloc book and trade arrays to fill in place (capacity = their length; the
   *   backtest passes views into core memory so the data set is never held twice).
   */
  constructor(
    readonly levels: number,
    readonly tickSize: number,
    hint: { books?: number; trades?: number } = {},
    prealloc?: PreallocatedArrays,
  ) {
    if (!(tickSize > 0)) throw new DataError(`tick size must be > 0, got ${tickSize}`);
    if (prealloc) {
      Object.assign(this, prealloc);
      this.fixed = true;
      return;
    }
    this.reserveBooks(hint.books ?? 0);
    this.reserveTrades(hint.trades ?? 0);
  }

  private reserveBooks(n: number): void {
    if (this.fixed) {
      if (n > this.bookTs.length) throw new Error(`internal: preallocated book capacity ${this.bookTs.length} < ${n} rows`);
      return;
    }
    this.bookTs = grow(this.bookTs, n);
    this.bestBid = grow(this.bestBid, n);
    this.bestAsk = grow(this.bestAsk, n);
    this.farBid = grow(this.farBid, n);
    this.farAsk = grow(this.farAsk, n);
    if (this.levels > 0) {
      const m = n * this.levels;
      this.bidTk = grow(this.bidTk, m);
      this.bidQ = grow(this.bidQ, m);
      this.askTk = grow(this.askTk, m);
      this.askQ = grow(this.askQ, m);
    }
  }

  private reserveTrades(n: number): void {
    if (this.fixed) {
      if (n > this.tradeTs.length) throw new Error(`internal: preallocated trade capacity ${this.tradeTs.length} < ${n} rows`);
      return;
    }
    this.tradeTs = grow(this.tradeTs, n);
    this.tradePx = grow(this.tradePx, n);
    this.tradeQty = grow(this.tradeQty, n);
    this.tradeSide = grow(this.tradeSide, n);
  }

  addBooks(b: BookBatch, source = "orderbook"): void {
    const n = b.length;
    this.reserveBooks(this.nB + n);
    const k0 = this.nB;
    let prev = this.lastBookTs;
    if (n > 0 && this.firstBookTs === Infinity) this.firstBookTs = this.beforeFirstBook.bookTs = b.timestampMs[0]!;
    if (n > 0 && b.market) this.markets.add(b.market);
    for (let i = 0; i < n; i++) {
      const ts = b.timestampMs[i]!;
      if (!Number.isFinite(ts)) throw new DataError(`${source}: row ${i} has timestamp ${ts}`);
      if (ts < prev) throw new DataError(`${source}: rows not in time order at row ${i} (${ts} after ${prev})`);
      prev = ts;
      this.lastBookTs = ts;
      this.bookTs[k0 + i] = ts;
      this.farBid[k0 + i] = 0;
      this.farAsk[k0 + i] = 0;
    }
    // column by column: sequential reads of each level array
    for (let l = 0; l < b.levels; l++) {
      const bp = b.bidPx[l]!, ap = b.askPx[l]!;
      for (let i = 0; i < n; i++) {
        const x = bp[i]!, y = ap[i]!;
        if (x > 0 && x < Infinity) this.farBid[k0 + i] = x;
        if (y > 0 && y < Infinity) this.farAsk[k0 + i] = y;
      }
    }
    const bp0 = b.levels > 0 ? b.bidPx[0]! : null, ap0 = b.levels > 0 ? b.askPx[0]! : null;
    for (let i = 0; i < n; i++) {
      const bb = bp0 ? bp0[i]! : NaN, ba = ap0 ? ap0[i]! : NaN;
      const okB = bb > 0 && bb < Infinity, okA = ba > 0 && ba < Infinity;
      this.bestBid[k0 + i] = okB ? bb : 0;
      this.bestAsk[k0 + i] = okA ? ba : 0;
      if (!okB || !okA) this.stats.oneSidedBooks++;
      else if (bb > ba) this.stats.crossedBooks++;
    }
    const L = this.levels;
    if (L > 0) {
      const inv = 1 / this.tickSize;
      for (let l = 0; l < L; l++) {
        const have = l < b.levels;
        const bp = have ? b.bidPx[l]! : null, bq = have ? b.bidQty[l]! : null;
        const ap = have ? b.askPx[l]! : null, aq = have ? b.askQty[l]! : null;
        for (let i = 0, o = k0 * L + l; i < n; i++, o += L) {
          let bt = -1, bqv = 0, at = -1, aqv = 0;
          if (have) {
            const x = bp![i]!, qx = bq![i]!;
            if (x > 0 && x < Infinity && qx === qx) { bt = encodeTick(x, inv); bqv = qx; }
            const y = ap![i]!, qy = aq![i]!;
            if (y > 0 && y < Infinity && qy === qy) { at = encodeTick(y, inv); aqv = qy; }
          }
          if (bt > MAX_TICK || at > MAX_TICK || bt < -MAX_TICK || at < -MAX_TICK) {
            throw new DataError(`${source}: row ${i} level ${l} price ${Math.abs(bt) > MAX_TICK ? bp![i] : ap![i]} is over 2^31 ticks of ${this.tickSize}: the queue model stores level prices as 32-bit tick counts; use a larger tick_size`);
          }
          this.bidTk[o] = bt;
          this.bidQ[o] = bqv;
          this.askTk[o] = at;
          this.askQ[o] = aqv;
        }
      }
    }
    this.nB += n;
  }

  addTrades(t: TradeBatch, source = "trades"): void {
    const n = t.length;
    this.reserveTrades(this.nT + n);
    if (n > 0 && t.market) this.markets.add(t.market);
    const last = this.lastTr;
    for (let i = 0; i < n; i++) {
      const ts = t.timestampMs[i]!;
      if (!Number.isFinite(ts)) throw new DataError(`${source}: row ${i} has timestamp ${ts}`);
      if (ts < last.ts) throw new DataError(`${source}: rows not in time order at row ${i} (${ts} after ${last.ts})`);
      if (ts < this.firstBookTs) {
        this.beforeFirstBook.trades++;
        if (ts < this.beforeFirstBook.firstTs) this.beforeFirstBook.firstTs = ts;
        last.ts = ts; // still checked for time order
        continue;
      }
      const verdict = this.cleaner.judge(t, i);
      if (verdict !== KEPT) {
        if (verdict === BAD) this.stats.badTrades++;
        else this.stats.duplicateTrades++;
        continue;
      }
      const k = this.nT++;
      this.tradeTs[k] = ts;
      this.tradePx[k] = t.price[i]!;
      this.tradeQty[k] = t.quantity[i]!;
      this.tradeSide[k] = t.side[i]!;
      last.ts = ts;
    }
  }

  addFunding(f: FundingBatch, source = "funding"): void {
    if (!this.fixed || this.nF + f.length > this.fundingTs.length) {
      this.fundingTs = grow(this.fundingTs, this.nF + f.length);
      this.fundingRate = grow(this.fundingRate, this.nF + f.length);
    }
    for (let i = 0; i < f.length; i++) {
      const ts = f.timestampMs[i]!, r = f.fundingRate[i]!;
      if (!Number.isFinite(ts) || !Number.isFinite(r)) throw new DataError(`${source}: row ${i} has timestamp ${ts}, rate ${r}`);
      if (ts < this.lastFundingTs) throw new DataError(`${source}: rows not in time order at row ${i}`);
      this.lastFundingTs = ts;
      if (ts < this.firstBookTs) {
        this.beforeFirstBook.funding++;
        if (ts < this.beforeFirstBook.firstTs) this.beforeFirstBook.firstTs = ts;
        continue;
      }
      this.fundingTs[this.nF] = ts;
      this.fundingRate[this.nF] = r;
      this.nF++;
    }
  }

  /** The data as exact-length views. Throws if there is nothing to simulate on. */
  build(): EventData {
    if (this.nB === 0) {
      throw new DataError(this.nT + this.beforeFirstBook.trades > 0 ? `no order-book rows (found ${this.nT + this.beforeFirstBook.trades} trades): a mid price is needed to quote` : "no order-book rows and no trades in the selected data");
    }
    return this.views();
  }

  /**
   * Streaming: the rows added since the last chunk, as views that stay valid until the next add;
   * the order/duplicate checks carry over to the next chunk.
   */
  takeChunk(): EventData {
    const d = this.views();
    this.nB = this.nT = this.nF = 0;
    return d;
  }

  private views(): EventData {
    const nB = this.nB, m = nB * this.levels, nT = this.nT, nF = this.nF;
    return {
      nBooks: nB,
      levels: this.levels,
      tickSize: this.tickSize,
      bookTs: this.bookTs.subarray(0, nB),
      bestBid: this.bestBid.subarray(0, nB),
      bestAsk: this.bestAsk.subarray(0, nB),
      farBid: this.farBid.subarray(0, nB),
      farAsk: this.farAsk.subarray(0, nB),
      bidTk: this.bidTk.subarray(0, m),
      bidQ: this.bidQ.subarray(0, m),
      askTk: this.askTk.subarray(0, m),
      askQ: this.askQ.subarray(0, m),
      nTrades: nT,
      tradeTs: this.tradeTs.subarray(0, nT),
      tradePx: this.tradePx.subarray(0, nT),
      tradeQty: this.tradeQty.subarray(0, nT),
      tradeSide: this.tradeSide.subarray(0, nT),
      nFunding: nF,
      fundingTs: this.fundingTs.subarray(0, nF),
      fundingRate: this.fundingRate.subarray(0, nF),
    };
  }
}
