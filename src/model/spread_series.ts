/**
 * The per-event logic of `calculate_spread` (docs/original.md §1.3), free of I/O: effective mid
 * per snapshot, the shared calibration engine, a quote at inventory 0 on every calibration, and
 * one row per calibration. Events must come in merged order (a trade before a book of the same
 * ms), so by default every trade is measured against the book strictly before it (the
 * `original` trade_book_rule restores the original's choice) — the original added the
 * trades with ts ≤ snapshot ts *after* the snapshot.
 */
import { CalibrationEngine, type CalibrationResult, type EngineOptions } from "./engine.ts";
import { bestAndFar, effectiveMid } from "./effective_price.ts";
import { computeOptimalQuote, type Quote, type QuoteParams } from "./quote.ts";

/** The book columns the series reads (storage's BookBatch has them): `bidPx[level][row]`, NaN = no level. */
export interface BookRows {
  timestampMs: Float64Array;
  bidPx: Float64Array[];
  bidQty: Float64Array[];
  askPx: Float64Array[];
  askQty: Float64Array[];
}

/** The trade columns the series reads (storage's TradeBatch has them); side 1 buy, −1 sell, 0 unknown. */
export interface TradeRows {
  timestampMs: Float64Array;
  price: Float64Array;
  side: Int8Array;
}

export interface SpreadRow {
  ts: number;
  mid: number;
  cal: CalibrationResult;
  quote: Quote;
  /** (ask − bid) / r · 1e4, (r − bid) / r · 1e4, (ask − r) / r · 1e4 as the original's CSV. */
  optimalSpreadBps: number;
  bidSpreadBps: number;
  askSpreadBps: number;
}

/** calculate_spread forces constant γ = risk_aversion_gamma with no clamp (γ_min = γ_max). */
export function spreadQuoteParams(p: QuoteParams): QuoteParams {
  return { ...p, gammaMode: "constant", gammaMin: p.riskAversionGamma, gammaMax: p.riskAversionGamma };
}

export class SpreadSeries {
  readonly engine: CalibrationEngine;
  readonly rows: SpreadRow[] = [];
  /** Snapshots skipped because a side had no valid level (no effective mid). */
  skippedBooks = 0;
  books = 0;
  trades = 0;
  /** Trades the engine could place against an earlier book (the rest cannot inform κ/A). */
  tradesUsed = 0;
  /** Rows whose timestamp is below the previous row's of the same stream (input not in time order). */
  bookRegressions = 0;
  tradeRegressions = 0;
  private lastTradeTs = -Infinity;
  private lastTs = NaN;
  private lastMid = NaN;
  private bf = new Float64Array(2);
  private af = new Float64Array(2);
  private readonly maxGapMs: number;
  /** `original` trade-to-book rule: any trade may still count (against a same-ms or the window's first book). */
  private readonly keepAll: boolean;
  /** Time of the last book fed to the engine (-Infinity before the first). */
  private lastEngineTs = -Infinity;
  /**
   * Trades after the last engine book, held back until the next book: the final forced
   * calibration (finish) sits at the last snapshot's ts and must not see trades after it.
   * Only trades the engine would measure (within maxGapMs of that book) are held, so the
   * buffer stays small even when the trades run on after the books stop.
   */
  private heldTs: number[] = [];
  private heldPx: number[] = [];
  private heldSide: number[] = [];

  constructor(
    engineOpts: EngineOptions,
    readonly quoteParams: QuoteParams,
    readonly effectiveThreshold: number,
    /** When false, rows are only produced by `finish()` (the --now mode). */
    readonly emitRows = true,
    /** Kernels for the engine (the WASM core's GARCH screen); same results. */
    kernels: ConstructorParameters<typeof CalibrationEngine>[1] = {},
  ) {
    this.engine = new CalibrationEngine(engineOpts, kernels);
    this.maxGapMs = engineOpts.maxGapMs;
    this.keepAll = engineOpts.tradeBookRule === "original";
  }

  onTrade(t: TradeRows, j: number): void {
    this.trades++;
    const ts = t.timestampMs[j];
    if (ts < this.lastTradeTs) this.tradeRegressions++;
    this.lastTradeTs = ts;
    if (ts > this.lastEngineTs || this.heldTs.length > 0) {
      // measured against the last engine book, which is more than maxGapMs before it: the engine
      // ignores it now and would at the next book too (no look-ahead, no state)
      if (!this.keepAll && !(ts - this.lastEngineTs <= this.maxGapMs)) return;
      this.heldTs.push(ts);
      this.heldPx.push(t.price[j]);
      this.heldSide.push(t.side[j]);
      return;
    }
    if (this.engine.onTrade(ts, t.price[j], t.side[j])) this.tradesUsed++;
  }

  /** Feeds the held trades (in arrival order) before the next book. */
  private releaseTrades(): void {
    const n = this.heldTs.length;
    for (let k = 0; k < n; k++) if (this.engine.onTrade(this.heldTs[k]!, this.heldPx[k]!, this.heldSide[k]!)) this.tradesUsed++;
    this.heldTs.length = this.heldPx.length = this.heldSide.length = 0;
  }

  onBook(b: BookRows, i: number): void {
    this.books++;
    if (this.heldTs.length > 0) this.releaseTrades();
    const ts = b.timestampMs[i];
    if (ts < this.lastTs) this.bookRegressions++;
    this.lastTs = ts;
    const mid = effectiveMid(b.bidPx, b.bidQty, b.askPx, b.askQty, i, this.effectiveThreshold);
    if (!(mid > 0)) {
      this.skippedBooks++;
      return;
    }
    this.lastMid = mid;
    bestAndFar(b.bidPx, i, this.bf);
    bestAndFar(b.askPx, i, this.af);
    this.engine.onBook(ts, mid, this.bf[0], this.af[0], this.bf[1], this.af[1]);
    this.lastEngineTs = ts;
    if (this.emitRows && this.engine.shouldRecalibrate(ts)) this.emit(ts, mid);
  }

  /** The original's final forced calibration at the last snapshot's ts (the "partial window" row). */
  finish(): SpreadRow | null {
    if (!(this.lastMid > 0) || !Number.isFinite(this.lastTs)) return null;
    return this.emit(this.lastTs, this.lastMid);
  }

  private emit(ts: number, mid: number): SpreadRow | null {
    const cal = this.engine.calibrate(ts);
    const quote = computeOptimalQuote(mid, 0, cal.sigma, cal.kappaBid, cal.kappaAsk, this.quoteParams);
    const r = quote.reservation;
    if (!(r > 0) || quote.status === "invalid_mid") return null;
    const row: SpreadRow = {
      ts, mid, cal, quote,
      optimalSpreadBps: (quote.optimalSpread / r) * 1e4,
      // no bid (spread wider than the price): report the unrounded half-spread instead of NaN
      bidSpreadBps: quote.bid > 0 ? ((r - quote.bid) / r) * 1e4 : (quote.deltaBid / 2 / r) * 1e4,
      askSpreadBps: ((quote.ask - r) / r) * 1e4,
    };
    this.rows.push(row);
    return row;
  }
}
