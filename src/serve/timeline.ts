import { DataError } from "../errors.ts";
import { DecimalScale, decimalsOf, decimalsOfText, formatNumber } from "../exchange/decimal.ts";
import type { Level, PublicTrade, PublicTradeType } from "../exchange/messages.ts";
import { concatBooks, concatFunding, concatTrades } from "../storage/batch.ts";
import { Side, TradeType, type BookBatch, type FundingBatch, type TradeBatch } from "../storage/types.ts";

/**
 * One market's recorded data prepared for replay: book levels as exact integer units (so deltas
 * between rows are exact decimal differences, never float residues), trades grouped into frames
 * with their texts and exact ids, funding prints.
 *
 * Events are addressed by a *global index* g = loop·N + i, so `--loop` replays the data again with
 * timestamps shifted by `loopSpanMs` per loop and trade ids shifted by the id span (ids stay unique
 * and increasing across loops).
 */

/** In-memory data of one market (the test/demo source; also what the file loader produces). */
export interface MemoryMarket {
  market: string;
  book?: BookBatch | BookBatch[];
  trades?: TradeBatch | TradeBatch[];
  funding?: FundingBatch | FundingBatch[];
  /** Tick size text for REST `minPriceChange`; default 10^-(price decimals seen). */
  tickSize?: string;
  /** Size step text for REST `minOrderSizeChange`; default 10^-(size decimals seen). */
  sizeStep?: string;
}

/** Snowflake epoch of Extended trade ids: (id >> 22) + EPOCH == T. */
export const SNOWFLAKE_EPOCH_MS = 1288834974657;

const TYPE_TEXT: Record<number, PublicTradeType> = {
  [TradeType.trade]: "TRADE",
  [TradeType.liquidation]: "LIQUIDATION",
  [TradeType.deleverage]: "DELEVERAGE",
  [TradeType.unknown]: "TRADE",
};

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

export class MarketTimeline {
  readonly market: string;
  readonly priceScale: DecimalScale;
  readonly sizeScale: DecimalScale;
  readonly tickSize: string;
  readonly sizeStep: string;

  // ---- book: row-major [row * levels + l], integer units, NaN = absent ----
  readonly bookRows: number;
  readonly levels: number;
  readonly bookTs: Float64Array;
  private readonly bidPx: Float64Array;
  private readonly bidQ: Float64Array;
  private readonly askPx: Float64Array;
  private readonly askQ: Float64Array;

  // ---- trades (rows without a taker side are left out: the protocol cannot express them) ----
  readonly tradeRows: number;
  readonly tradeTs: Float64Array;
  private readonly tradeP: string[];
  private readonly tradeQ: string[];
  private readonly tradeSide: ("BUY" | "SELL")[];
  private readonly tradeType: PublicTradeType[];
  private readonly tradeId: bigint[];
  /** Frame f holds trades [frameStart[f], frameStart[f+1]) — consecutive trades with equal T. */
  readonly frameStart: Int32Array;
  readonly frames: number;
  readonly idSpan: bigint;
  /** Book prices/sizes that were not on their decimal grid and were rounded to it (float noise). */
  roundedValues = 0;
  /** Source trades dropped because their side is unknown. */
  readonly tradesWithoutSide: number;

  // ---- funding ----
  readonly fundingRows: number;
  readonly fundingTs: Float64Array;
  private readonly fundingRate: string[];

  /** Earliest and latest event time of any stream (NaN when empty). */
  readonly minTs: number;
  readonly maxTs: number;
  /** Set by the server: shift per loop (common to all markets so they stay in step). */
  loopSpanMs = 0;
  loop = false;

  constructor(src: MemoryMarket) {
    this.market = src.market;
    const books = list(src.book).filter((b) => b.length > 0);
    const book = books.length === 0 ? null : books.length === 1 ? books[0] : concatBooks(books);
    const trs = list(src.trades).filter((b) => b.length > 0);
    const tr = trs.length === 0 ? null : trs.length === 1 ? trs[0] : concatTrades(trs);
    const fus = list(src.funding).filter((b) => b.length > 0);
    const fu = fus.length === 0 ? null : fus.length === 1 ? fus[0] : concatFunding(fus);

    // decimals actually used by the book (prices and sizes), so units are exact
    let pxDec = 0;
    let qDec = 0;
    if (book) {
      for (let l = 0; l < book.levels; l++) {
        for (const [arr, isPx] of [[book.bidPx[l], true], [book.askPx[l], true], [book.bidQty[l], false], [book.askQty[l], false]] as const) {
          for (let r = 0; r < book.length; r++) {
            const x = arr[r];
            if (x === x) {
              const d = fastDecimals(x);
              if (isPx) pxDec = Math.max(pxDec, d);
              else qDec = Math.max(qDec, d);
            }
          }
        }
      }
    }
    // no book: the trades are all there is to say what grid the market uses (REST minPriceChange)
    if (!book && tr) {
      for (let r = 0; r < tr.length; r++) {
        if (tr.price[r] > 0) pxDec = Math.max(pxDec, fastDecimals(tr.price[r]));
        if (tr.quantity[r] > 0) qDec = Math.max(qDec, fastDecimals(tr.quantity[r]));
      }
    }
    // Values with float noise (2999.9700000000003) have no short decimal form: use the grid of
    // market.json when known, else 10 decimals, and round to it (counted in `roundedValues`).
    const cap = (d: number, step: string | undefined) => (d <= MAX_EXACT_DECIMALS ? d : step ? Math.min(MAX_EXACT_DECIMALS, decimalsOfText(step)) : MAX_EXACT_DECIMALS);
    pxDec = cap(pxDec, src.tickSize);
    qDec = cap(qDec, src.sizeStep);
    this.priceScale = DecimalScale.ofDecimals(pxDec);
    this.sizeScale = DecimalScale.ofDecimals(qDec);
    this.tickSize = src.tickSize ?? this.priceScale.stepText;
    this.sizeStep = src.sizeStep ?? this.sizeScale.stepText;

    const n = book?.length ?? 0;
    const L = book?.levels ?? 0;
    this.bookRows = n;
    this.levels = L;
    this.bookTs = book ? Float64Array.from(book.timestampMs) : new Float64Array(0);
    this.bidPx = new Float64Array(n * L).fill(NaN);
    this.bidQ = new Float64Array(n * L).fill(NaN);
    this.askPx = new Float64Array(n * L).fill(NaN);
    this.askQ = new Float64Array(n * L).fill(NaN);
    if (book) {
      const px = this.priceScale;
      const qs = this.sizeScale;
      const fill = (srcPx: Float64Array[], srcQ: Float64Array[], dstPx: Float64Array, dstQ: Float64Array, side: string) => {
        for (let l = 0; l < L; l++) {
          for (let r = 0; r < n; r++) {
            const p = srcPx[l][r];
            const q = srcQ[l][r];
            if (!(p > 0) || !(q > 0)) continue; // absent (or empty) level
            let pu = unitsOf(p, px);
            let qu = unitsOf(q, qs);
            if (pu === null) {
              pu = roundUnits(p, px);
              this.roundedValues++;
            }
            if (qu === null) {
              qu = roundUnits(q, qs);
              this.roundedValues++;
            }
            if (pu === null || qu === null || qu <= 0) throw new DataError(`${src.market}: row ${r} ${side} level ${l}: ${p}/${q} cannot be replayed (beyond 2^53 units or below the size step)`);
            dstPx[r * L + l] = pu;
            dstQ[r * L + l] = qu;
          }
        }
      };
      fill(book.bidPx, book.bidQty, this.bidPx, this.bidQ, "bid");
      fill(book.askPx, book.askQty, this.askPx, this.askQ, "ask");
      for (let r = 0; r < n; r++) {
        compactRow(this.bidPx, this.bidQ, r, L, true);
        compactRow(this.askPx, this.askQ, r, L, false);
      }
    }

    // trades
    const keep: number[] = [];
    let noSide = 0;
    if (tr) for (let i = 0; i < tr.length; i++) tr.side[i] === Side.unknown || !(tr.price[i] > 0) || !(tr.quantity[i] > 0) ? noSide++ : keep.push(i);
    this.tradesWithoutSide = noSide;
    const m = keep.length;
    this.tradeRows = m;
    this.tradeTs = new Float64Array(m);
    this.tradeP = new Array(m);
    this.tradeQ = new Array(m);
    this.tradeSide = new Array(m);
    this.tradeType = new Array(m);
    this.tradeId = new Array(m);
    let lastMs = Number.NaN;
    let inMs = 0n;
    for (let k = 0; k < m; k++) {
      const i = keep[k];
      const t = tr!.timestampMs[i];
      this.tradeTs[k] = t;
      this.tradeP[k] = formatNumber(tr!.price[i]);
      this.tradeQ[k] = formatNumber(tr!.quantity[i]);
      this.tradeSide[k] = tr!.side[i] === Side.buy ? "BUY" : "SELL";
      this.tradeType[k] = TYPE_TEXT[tr!.tradeType[i]] ?? "TRADE";
      if (tr!.tradeId) {
        this.tradeId[k] = tr!.tradeId[i];
      } else {
        // no ids in the source: make snowflake ids like the exchange's ((T - epoch) << 22 | n)
        inMs = t === lastMs ? inMs + 1n : 0n;
        lastMs = t;
        this.tradeId[k] = (BigInt(Math.max(0, t - SNOWFLAKE_EPOCH_MS)) << 22n) | inMs;
      }
    }
    let lo = 0n;
    let hi = -1n;
    for (const id of this.tradeId) {
      if (hi < lo) lo = hi = id;
      else {
        if (id < lo) lo = id;
        if (id > hi) hi = id;
      }
    }
    this.idSpan = m === 0 ? 0n : hi - lo + 1n;
    const starts: number[] = [];
    for (let k = 0; k < m; k++) if (k === 0 || this.tradeTs[k] !== this.tradeTs[k - 1]) starts.push(k);
    starts.push(m);
    this.frameStart = Int32Array.from(starts);
    this.frames = m === 0 ? 0 : starts.length - 1;

    // funding
    const f = fu?.length ?? 0;
    this.fundingRows = f;
    this.fundingTs = fu ? Float64Array.from(fu.timestampMs) : new Float64Array(0);
    this.fundingRate = [];
    for (let i = 0; i < f; i++) this.fundingRate.push(formatNumber(fu!.fundingRate[i]));

    let mn = Infinity;
    let mx = -Infinity;
    for (const ts of [this.bookTs, this.tradeTs, this.fundingTs]) {
      if (ts.length === 0) continue;
      mn = Math.min(mn, ts[0]);
      mx = Math.max(mx, ts[ts.length - 1]);
    }
    this.minTs = mn === Infinity ? Number.NaN : mn;
    this.maxTs = mx === -Infinity ? Number.NaN : mx;
  }

  // ---- global indexing ---------------------------------------------------------------------

  /** Number of events of a stream per loop. */
  count(kind: "book" | "trades" | "funding"): number {
    return kind === "book" ? this.bookRows : kind === "trades" ? this.frames : this.fundingRows;
  }

  /** Whether global index g exists (always, when looping over non-empty data). */
  has(kind: "book" | "trades" | "funding", g: number): boolean {
    const n = this.count(kind);
    return n > 0 && g >= 0 && (this.loop || g < n);
  }

  private baseTs(kind: "book" | "trades" | "funding", i: number): number {
    if (kind === "book") return this.bookTs[i];
    if (kind === "trades") return this.tradeTs[this.frameStart[i]];
    return this.fundingTs[i];
  }

  /** Event time of global index g (shifted per loop). */
  timeOf(kind: "book" | "trades" | "funding", g: number): number {
    const n = this.count(kind);
    const loop = Math.floor(g / n);
    return this.baseTs(kind, g - loop * n) + loop * this.loopSpanMs;
  }

  /** Largest g with timeOf(g) ≤ t, or -1. */
  lastAtOrBefore(kind: "book" | "trades" | "funding", t: number): number {
    return this.firstAfter(kind, t, true) - 1;
  }

  /** Smallest g with timeOf(g) ≥ t (strict=false) or > t (strict=true). */
  firstAfter(kind: "book" | "trades" | "funding", t: number, strict = false): number {
    const n = this.count(kind);
    if (n === 0) return 0;
    let loop = 0;
    if (this.loop && this.loopSpanMs > 0) loop = Math.max(0, Math.floor((t - this.minTs) / this.loopSpanMs));
    for (;; loop++) {
      const shift = loop * this.loopSpanMs;
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const x = this.baseTs(kind, mid) + shift;
        if (strict ? x <= t : x < t) lo = mid + 1;
        else hi = mid;
      }
      if (lo < n || !this.loop) return loop * n + lo;
    }
  }

  // ---- book ---------------------------------------------------------------------------------

  private rowLevels(i: number, side: "b" | "a", depth: number): Level[] {
    const L = this.levels;
    const px = side === "b" ? this.bidPx : this.askPx;
    const q = side === "b" ? this.bidQ : this.askQ;
    const out: Level[] = [];
    // rows are compacted best-first at load (compactRow): stop at the first absent level
    for (let l = 0; l < L && out.length < depth; l++) {
      const p = px[i * L + l];
      if (p !== p) break;
      out.push({ p: this.priceText(p), q: this.qtyText(q[i * L + l]) });
    }
    return out;
  }

  private readonly pxCache = new Map<number, string>();
  private readonly qCache = new Map<number, string>();

  /** Formatting dominates delta encoding; prices and sizes repeat a lot, so texts are cached. */
  private priceText(units: number): string {
    return cachedText(this.pxCache, 100_000, this.priceScale, units);
  }

  private qtyText(units: number): string {
    return cachedText(this.qCache, 200_000, this.sizeScale, units);
  }

  /** Levels of a SNAPSHOT of row g (absolute sizes, best first), `depth` levels per side at most. */
  snapshot(g: number, depth = Infinity): { bids: Level[]; asks: Level[] } {
    const i = g % this.bookRows;
    return { bids: this.rowLevels(i, "b", depth), asks: this.rowLevels(i, "a", depth) };
  }

  /**
   * DELTA turning row gPrev into row g: for every price whose size differs, `q` = signed change
   * and `c` = new absolute size ("0" when the level left the recorded top-N).
   */
  delta(gPrev: number, g: number): { bids: Level[]; asks: Level[] } {
    const a = gPrev % this.bookRows;
    const b = g % this.bookRows;
    return { bids: this.sideDelta(a, b, this.bidPx, this.bidQ, true), asks: this.sideDelta(a, b, this.askPx, this.askQ, false) };
  }

  private sideDelta(a: number, b: number, px: Float64Array, q: Float64Array, desc: boolean): Level[] {
    // both rows are compacted best-first, so one merge pass yields the changes in book order
    const L = this.levels;
    const out: Level[] = [];
    let i = 0;
    let j = 0;
    const ao = a * L;
    const bo = b * L;
    for (;;) {
      const pa = i < L ? px[ao + i] : NaN;
      const pb = j < L ? px[bo + j] : NaN;
      const hasA = pa === pa;
      const hasB = pb === pb;
      if (!hasA && !hasB) break;
      if (hasA && hasB && pa === pb) {
        const oq = q[ao + i++];
        const nq = q[bo + j++];
        if (oq !== nq) out.push({ p: this.priceText(pb), q: this.qtyText(nq - oq), c: this.qtyText(nq) });
      } else if (hasB && (!hasA || (desc ? pb > pa : pb < pa))) {
        const nq = q[bo + j++];
        out.push({ p: this.priceText(pb), q: this.qtyText(nq), c: this.qtyText(nq) });
      } else {
        const oq = q[ao + i++];
        out.push({ p: this.priceText(pa), q: this.qtyText(-oq), c: "0" });
      }
    }
    return out;
  }

  /** Best bid/ask (as numbers) of row g; NaN when a side is empty. */
  bestOf(g: number): { bid: number; ask: number; bidQty: number; askQty: number } {
    const { bids, asks } = this.snapshot(g, 1);
    return {
      bid: bids.length ? Number(bids[0].p) : Number.NaN,
      ask: asks.length ? Number(asks[0].p) : Number.NaN,
      bidQty: bids.length ? Number(bids[0].q) : Number.NaN,
      askQty: asks.length ? Number(asks[0].q) : Number.NaN,
    };
  }

  // ---- trades -------------------------------------------------------------------------------

  /** Trade of global trade-row index k (not frame index). */
  tradeAt(k: number): PublicTrade {
    const n = this.tradeRows;
    const loop = Math.floor(k / n);
    const i = k - loop * n;
    return {
      market: this.market,
      side: this.tradeSide[i],
      type: this.tradeType[i],
      T: this.tradeTs[i] + loop * this.loopSpanMs,
      p: this.tradeP[i],
      q: this.tradeQ[i],
      id: this.tradeId[i] + BigInt(loop) * this.idSpan,
    };
  }

  /** Global trade-row range [start, end) of global frame f. */
  frameRows(f: number): [number, number] {
    const loop = Math.floor(f / this.frames);
    const i = f - loop * this.frames;
    const base = loop * this.tradeRows;
    return [base + this.frameStart[i], base + this.frameStart[i + 1]];
  }

  frameTrades(f: number): PublicTrade[] {
    const [s, e] = this.frameRows(f);
    const out: PublicTrade[] = [];
    for (let k = s; k < e; k++) out.push(this.tradeAt(k));
    return out;
  }

  // ---- funding ------------------------------------------------------------------------------

  funding(g: number): { T: number; rate: string } {
    const n = this.fundingRows;
    const loop = Math.floor(g / n);
    return { T: this.fundingTs[g - loop * n] + loop * this.loopSpanMs, rate: this.fundingRate[g - loop * n] };
  }
}

const MAX_EXACT_DECIMALS = 10;

/** `scale.format(units)` through a cache that is simply emptied when it reaches `limit` entries. */
function cachedText(cache: Map<number, string>, limit: number, scale: DecimalScale, units: number): string {
  let t = cache.get(units);
  if (t === undefined) {
    if (cache.size > limit) cache.clear();
    t = scale.format(units);
    cache.set(units, t);
  }
  return t;
}

/** Nearest units on the grid, or null beyond 2^53. */
function roundUnits(x: number, scale: DecimalScale): number | null {
  const n = Math.round((x * 10 ** scale.decimals) / scale.stepUnits);
  return Number.isSafeInteger(n) ? n : null;
}

/** Decimals of a double's shortest text, without building the text in the common case. */
function fastDecimals(x: number): number {
  let m = 1;
  for (let k = 0; k <= 12; k++, m *= 10) {
    if (Math.round(x * m) / m === x) return k;
  }
  return decimalsOf(x);
}

/** Integer units of a double on a 10^-k grid (exact check; the text path as fallback). */
function unitsOf(x: number, scale: DecimalScale): number | null {
  const m = 10 ** scale.decimals;
  const n = Math.round(x * m);
  if (Number.isSafeInteger(n) && n / m === x && scale.stepUnits === 1) return n;
  return scale.stepsOfNumber(x);
}

/** Sorts one row's levels best-first and moves absent (NaN) levels to the end, in place. */
function compactRow(px: Float64Array, q: Float64Array, r: number, L: number, desc: boolean): void {
  const o = r * L;
  let sorted = true;
  let seenGap = false;
  for (let l = 0; l < L; l++) {
    const p = px[o + l];
    if (p !== p) seenGap = true;
    else if (seenGap || (l > 0 && (desc ? p >= px[o + l - 1] : p <= px[o + l - 1]))) sorted = false;
  }
  if (sorted) return;
  const pairs: [number, number][] = [];
  for (let l = 0; l < L; l++) if (px[o + l] === px[o + l]) pairs.push([px[o + l], q[o + l]]);
  pairs.sort(desc ? (x, y) => y[0] - x[0] : (x, y) => x[0] - y[0]);
  for (let l = 0; l < L; l++) {
    px[o + l] = l < pairs.length ? pairs[l][0] : NaN;
    q[o + l] = l < pairs.length ? pairs[l][1] : NaN;
  }
}
