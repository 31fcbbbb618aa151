/**
 * Rolling calibration engine shared by `backtest` and `calculate_spread` (docs/original.md §4.1,
 * with the fixes of §9.3). Feed it events in time order (a trade before a book with the same ms,
 * as the merge does); ask `shouldRecalibrate(ts)` after each book and call `calibrate(ts)` when it
 * says so. Every structure is a ring buffer or an incrementally updated sum, so ingesting an event
 * is O(1) amortised; a calibration costs O(window returns · GARCH candidates + occupied exposure
 * buckets · κ evaluations), independent of how long the run has been going (except with the
 * `garchFullHistory` compatibility option, which is the original's quadratic behaviour).
 *
 * Usage (per event loop):
 *   const engine = new CalibrationEngine(engineOptionsFromConfig(config));
 *   engine.onTrade(ts, price, side);                         // side: +1 taker buy, −1 taker sell
 *   engine.onBook(ts, mid, bestBid, bestAsk, farBid, farAsk);
 *   if (engine.shouldRecalibrate(ts)) { const c = engine.calibrate(ts); computeOptimalQuote(mid, q, c.sigma, c.kappaBid, c.kappaAsk, qp) }
 */
import type { Config } from "../config/schema.ts";
import { ExposureHistogram } from "./exposure_histogram.ts";
import {
  bookRanges, combineSides, fitSide, fitSideNewton, KAPPA_GRID, tradeDelta, usableRange,
  type CombinedIntensity, type SideFit, type TradeBookRule,
} from "./intensity.ts";
import type { GarchScreen } from "./garch_batch.ts";
import { GarchChain, type GarchChainOptions } from "./garch_chain.ts";
import { RingColumns, RingRows } from "./ring.ts";
import { GARCH_MIN_SAMPLES, validPrice, type GarchFit } from "./volatility.ts";

export type VolatilityModel = "garch" | "realized" | "ewma";

export interface EngineOptions {
  /** Rolling window for prices, returns, trades and exposures (ms). */
  windowMs: number;
  recalibrationIntervalMs: number;
  /** First calibration once this many valid mids are in the window. */
  minPrices: number;
  volatilityModel: VolatilityModel;
  /** Compatibility: GARCH on every mid since the start (never pruned, literal full grid search). */
  garchFullHistory: boolean;
  ewmaHalfLifeSeconds: number;
  minTradesPerSide: number;
  /** Compatibility: failed intensity fits reset to κ=100/A=10 (original bug 9.3-16). */
  resetFailedFits: boolean;
  /** Book-to-book silence longer than this is a data gap (ms): not resampled across, exposure capped, trades ignored. Infinity = no cap (the original). */
  maxGapMs: number;
  /** Which book a trade's δ is measured against (intensity.ts `TradeBookRule`). */
  tradeBookRule: TradeBookRule;
  minVolatility: number;
  maxVolatility: number;
  /** Windowed GARCH: full coarse grid every N-th calibration, warm-started refinement in between (1 = always full). */
  garchFullGridEvery: number;
  /** Warm calibrations also scan every n-th coarse-grid α and β (0 = none) before the walk. */
  garchWarmStride: number;
  /**
   * `binned`: exposure integral from log-bucketed power sums (exposure_histogram.ts, < 1e-11
   * relative per term; κ then agrees with `exact` to the golden-section resolution, ~1e-6).
   * `exact`: sums every snapshot of the window per κ evaluation, bit-for-bit the original's
   * arithmetic — O(window) per evaluation, used with the compatibility options.
   */
  exposureMode: "binned" | "exact";
}

export function engineOptionsFromConfig(config: Config): EngineOptions {
  return {
    windowMs: config.calibration_window_seconds * 1000,
    recalibrationIntervalMs: config.recalibration_interval_seconds * 1000,
    minPrices: config.min_prices_for_calibration,
    volatilityModel: config.volatility_model,
    garchFullHistory: config.garch_full_history,
    ewmaHalfLifeSeconds: config.ewma_half_life_seconds,
    minTradesPerSide: config.min_trades_per_side,
    resetFailedFits: config.reset_failed_fits,
    maxGapMs: config.calibration_max_gap_seconds === "none" ? Infinity : config.calibration_max_gap_seconds * 1000,
    tradeBookRule: config.trade_book_rule,
    minVolatility: config.min_volatility,
    maxVolatility: config.max_volatility,
    garchFullGridEvery: config.garch_full_history ? 1 : 60,
    garchWarmStride: 0,
    exposureMode: config.garch_full_history ? "exact" : "binned",
  };
}

/** The GARCH search settings of an engine (garch_chain.ts). */
export function garchChainOptions(o: EngineOptions): GarchChainOptions {
  return { fullGridEvery: o.garchFullGridEvery, warmStride: o.garchWarmStride, fullHistory: o.garchFullHistory };
}

export type SigmaSource = "garch" | "realized" | "ewma" | "kept" | "none";

/** κ/A per side with their sources (`fitted`, `kept`, `copied`, `default`: see CombinedIntensity). */
export interface CalibrationResult extends CombinedIntensity {
  ts: number;
  /** σ per √second after the min/max_volatility clamp (what quotes should use). */
  sigma: number;
  /** σ before the clamp (what the original's CSV prints). */
  sigmaRaw: number;
  sigmaSource: SigmaSource;
  /** Trades per side and valid mids in the window at this calibration. */
  nTradesBid: number;
  nTradesAsk: number;
  nPrices: number;
  /** The GARCH fit behind σ when sigmaSource is "garch" (α, β, log-likelihood, variance). */
  garch: GarchFit | null;
}

// Column indices of the ring buffers.
const R_TS0 = 0, R_TS1 = 1, R_R2 = 2, R_DT = 3; // returns (first/second price ts, r², dt s)
const X_TS = 0, X_DUR = 1, X_BMIN = 2, X_BMAX = 3, X_AMIN = 4, X_AMAX = 5; // closed exposures
const T_TS = 0, T_SIDE = 1, T_D = 2, T_PX = 3; // trades with their δ (NaN: not measured) and price

/**
 * σ of a calibration: the volatility model's value when it has one, else the realized estimate,
 * else the previous calibration's raw σ ("kept"; 0 and "none" at the first); then the
 * min/max_volatility clamp. One rule for the engine and for the deferred GARCH of
 * backtest/calibrate.ts, which settles σ once the fits are back.
 */
export function settleSigma(
  model: number | null, modelSource: "garch" | "ewma", realized: number | null, prevRaw: number | null,
  o: Pick<EngineOptions, "minVolatility" | "maxVolatility">,
): { sigma: number; sigmaRaw: number; sigmaSource: SigmaSource } {
  let raw: number, src: SigmaSource;
  if (model !== null) [raw, src] = [model, modelSource];
  else if (realized !== null) [raw, src] = [realized, "realized"];
  else [raw, src] = prevRaw !== null ? [prevRaw, "kept"] : [0, "none"];
  let sigma = raw;
  if (o.maxVolatility > o.minVolatility) sigma = Math.min(Math.max(sigma, o.minVolatility), o.maxVolatility);
  return { sigma: Math.max(sigma, 0), sigmaRaw: raw, sigmaSource: src };
}

/**
 * Receives the GARCH fits an engine would make (CalibrationEngine's `garchJobs`), in calibration
 * order: the fit on returns r[0, len), of which r[0, stable) are final and numbered from `first`
 * in the engine's count of grid returns since the start (so consecutive windows can be sent as
 * differences); r[stable, len) is the provisional tail. The engine then reports σ as if GARCH had
 * no fit; the receiver settles it (`settleSigma`) when the fit is known.
 */
export interface GarchJobs {
  submit(r: Float64Array, len: number, stable: number, first: number): void;
}

export class CalibrationEngine {
  readonly opts: EngineOptions;
  /** Valid mids in the window (ts, mid). */
  private prices = new RingColumns(2, 4096);
  private returns = new RingColumns(4, 4096);
  private prevT = NaN;
  private prevP = NaN;
  private totalValidPrices = 0;
  // EWMA sums over the window's returns, decayed to ewRef.
  private ewNum = 0;
  private ewDen = 0;
  private ewRef = 0;
  private readonly ewK: number;
  /** The compatibility mode resamples like the original: flat prices across any gap. */
  private readonly gridGapMs: number;
  // 1 s resampled returns (bucket ts, r) and the resampler's state.
  private grid = new RingColumns(2, 4096);
  private gStarted = false;
  private gSeriesP = 0;
  private gLastT = 0;
  private gLastP = 0;
  private gNext = 0;
  private scratch = new Float64Array(4096);
  /** Grid returns appended since the start (the window's first one is number gridTotal − grid.length). */
  private gridTotal = 0;
  /** The GARCH search state across calibrations (garch_chain.ts). */
  readonly garchChain: GarchChain;
  private readonly garchJobs: GarchJobs | undefined;
  // Intensity state.
  private trades = new RingColumns(4, 4096);
  private exposures = new RingColumns(6, 4096);
  /**
   * `exact` mode: per closed exposure, e^(−κᵢ δ) for the 61 grid κ of its four δ bounds
   * (bid min, bid max, ask min, ask max), computed once when the book is closed instead of at
   * every calibration it stays in the window (~60): the grid's E(κ) then costs no exponential.
   */
  private gridExps = new RingRows(4 * 61);
  /** The four δ bounds whose gridExps row was written last. */
  private lastGridDelta = new Float64Array(4).fill(NaN);
  private hBidMin = new ExposureHistogram();
  private hBidMax = new ExposureHistogram();
  private hAskMin = new ExposureHistogram();
  private hAskMax = new ExposureHistogram();
  private sinceRebuild = 0;
  /** Trades with δ > 0 in the window and their Σδ per side, kept as trades enter and leave. */
  private nBid = 0;
  private sumBid = 0;
  private nAsk = 0;
  private sumAsk = 0;
  private momentScratch = new Float64Array(3);
  // Current and previous valid book point: ts, mid, δ ranges.
  private cur = new Float64Array(6).fill(NaN);
  private prev = new Float64Array(6).fill(NaN);
  private hasCur = false;
  private hasPrev = false;

  private lastCalibrationTs: number | null = null;
  private intensity: CombinedIntensity | null = null;
  /** The most recent calibration, or null before the first. */
  last: CalibrationResult | null = null;

  /**
   * `garchScreen`: a faster screening pass for the GARCH search (the WASM core's); same results.
   * `garchJobs`: GARCH fits are not made here but sent there (see GarchJobs); σ is then provisional.
   */
  constructor(opts: EngineOptions, kernels: { garchScreen?: GarchScreen; garchJobs?: GarchJobs } = {}) {
    this.opts = opts;
    this.garchChain = new GarchChain(garchChainOptions(opts), kernels.garchScreen);
    this.garchJobs = kernels.garchJobs;
    this.ewK = Math.LN2 / (opts.ewmaHalfLifeSeconds * 1000);
    this.gridGapMs = opts.garchFullHistory ? Infinity : opts.maxGapMs;
  }

  /**
   * One order-book snapshot: mid (any definition the caller chooses), best and farthest level
   * prices per side (0/NaN when the side is empty). A mid that is not finite and > 0 is ignored.
   */
  onBook(ts: number, mid: number, bestBid: number, bestAsk: number, farBid: number, farAsk: number): void {
    if (!validPrice(mid)) return;
    this.addPrice(ts, mid);
    // Close the exposure of the previous point: it was the book from its ts until this one.
    if (this.hasCur) this.closeExposure(ts);
    this.prev.set(this.cur);
    this.hasPrev = this.hasCur;
    const c = this.cur;
    c[0] = ts;
    c[1] = mid;
    c.set(bookRanges(mid, bestBid, bestAsk, farBid, farAsk), 2);
    this.hasCur = true;
    if (this.opts.tradeBookRule === "original") this.remeasureSameMs(ts, mid);
    this.prune(ts);
  }

  /** `original` rule: trades of this book's millisecond (fed before it) are measured against it. */
  private remeasureSameMs(ts: number, mid: number): void {
    const t = this.trades;
    for (let i = t.length - 1; i >= 0 && t.get(i, T_TS) === ts; i--) {
      const side = t.get(i, T_SIDE), d = tradeDelta(t.get(i, T_PX), mid, side);
      this.countTrade(side, t.get(i, T_D), -1);
      this.countTrade(side, d, 1);
      t.set(i, T_D, d);
    }
  }

  /**
   * One public trade. side: +1 = taker bought (lifted an ask), −1 = taker sold (hit a bid), 0 =
   * unknown (ignored). `strictly_before`: measured against the latest book strictly before it;
   * dropped when there is none, it is older than maxGapMs, or δ ≤ 0. `original`: kept and
   * measured against the latest book with ts ≤ its own (again when a book of the same ms follows,
   * and against the window's first book at calibration once its own has left the window); it
   * counts while that book exists, is not older than maxGapMs and gives δ > 0.
   * Returns true when the trade entered the intensity window.
   */
  onTrade(ts: number, price: number, side: number): boolean {
    if (side === 0 || !Number.isFinite(side) || !validPrice(price) || !Number.isFinite(ts)) return false;
    const orig = this.opts.tradeBookRule === "original";
    let p: Float64Array | null = null;
    if (this.hasCur && (this.cur[0] < ts || (orig && this.cur[0] === ts))) p = this.cur;
    else if (this.hasPrev && (this.prev[0] < ts || (orig && this.prev[0] === ts))) p = this.prev;
    const d = p && ts - p[0] <= this.opts.maxGapMs ? tradeDelta(price, p[1], side) : NaN;
    if (!orig && !(d > 0)) return false;
    this.trades.push(ts, side < 0 ? -1 : 1, d, price);
    this.countTrade(side, d, 1);
    return true;
  }

  shouldRecalibrate(ts: number): boolean {
    if (this.lastCalibrationTs === null) return this.prices.length >= this.opts.minPrices;
    return ts >= this.lastCalibrationTs + this.opts.recalibrationIntervalMs;
  }

  /** Calibrates on the window ending at `now` (only data already fed). Never throws, never NaN. */
  calibrate(now: number): CalibrationResult {
    this.prune(now);
    const o = this.opts;
    // --- volatility ---
    let model: number | null = null;
    let garch: GarchFit | null = null;
    if (o.volatilityModel === "garch") {
      garch = this.garchSigma();
      if (garch) model = Math.sqrt(garch.variance);
    } else if (o.volatilityModel === "ewma") model = this.ewmaSigma();
    const { sigma, sigmaRaw: raw, sigmaSource: src } = settleSigma(model, o.volatilityModel === "ewma" ? "ewma" : "garch", model === null ? this.realizedSigma() : null, this.last?.sigmaRaw ?? null, o);

    // --- intensity ---
    if (++this.sinceRebuild >= 60) this.rebuildHistograms();
    // `original` rule: trades older than the window's first book are measured against that book
    const t = this.trades;
    const headTs = o.tradeBookRule === "original" && this.prices.length > 0 ? this.prices.get(0, 0) : -Infinity;
    const headMid = headTs > -Infinity ? this.prices.get(0, 1) : NaN;
    const deltaOf = (i: number) => (t.get(i, T_TS) < headTs ? tradeDelta(t.get(i, T_PX), headMid, t.get(i, T_SIDE)) : t.get(i, T_D));
    let nB = 0, sB = 0, nA = 0, sA = 0;
    if (o.exposureMode === "exact") {
      // Σδ in window order, as the original: the golden-section search turns a last-bit change
      // of Σδ into a ~1e-7 change of κ, so the compatibility path keeps the original's sum
      for (let i = 0; i < t.length; i++) {
        const d = deltaOf(i);
        if (!(d > 0)) continue;
        if (t.get(i, T_SIDE) < 0) { nB++; sB += d; } else { nA++; sA += d; }
      }
    } else {
      // the running sums (O(1) per trade whatever the window), corrected for the few trades at
      // the window's start that the `original` rule re-measures
      nB = this.nBid; sB = this.sumBid; nA = this.nAsk; sA = this.sumAsk;
      for (let i = 0; i < t.length && t.get(i, T_TS) < headTs; i++) {
        const was = t.get(i, T_D), d = deltaOf(i);
        if (t.get(i, T_SIDE) < 0) { if (was > 0) { nB--; sB -= was; } if (d > 0) { nB++; sB += d; } }
        else { if (was > 0) { nA--; sA -= was; } if (d > 0) { nA++; sA += d; } }
      }
    }
    // The current point's exposure runs to `now`; add it for this evaluation only.
    const open = this.hasCur && now > this.cur[0];
    const openDur = open ? Math.min(now - this.cur[0], o.maxGapMs) / 1000 : 0;
    if (open) this.exposeCurrent(openDur, 1);
    let bid = null;
    let ask = null;
    if (o.exposureMode === "exact") {
      bid = this.hBidMin.size > 0 ? fitSide(nB, sB, (k) => this.exactExposure(k, X_BMIN, X_BMAX, openDur), o.minTradesPerSide, (out) => this.exactGrid(0, X_BMIN, X_BMAX, openDur, out)) : null;
      ask = this.hAskMin.size > 0 ? fitSide(nA, sA, (k) => this.exactExposure(k, X_AMIN, X_AMAX, openDur), o.minTradesPerSide, (out) => this.exactGrid(2, X_AMIN, X_AMAX, openDur, out)) : null;
    } else {
      bid = this.hBidMin.size > 0 ? this.fitBinned(nB, sB, this.hBidMin, this.hBidMax) : null;
      ask = this.hAskMin.size > 0 ? this.fitBinned(nA, sA, this.hAskMin, this.hAskMax) : null;
    }
    if (open) this.exposeCurrent(openDur, -1);
    this.intensity = combineSides({ bid, ask }, this.intensity, o.resetFailedFits);

    this.lastCalibrationTs = now;
    const it = this.intensity;
    this.last = {
      ts: now, sigma, sigmaRaw: raw, sigmaSource: src,
      kappaBid: it.kappaBid, aBid: it.aBid, kappaAsk: it.kappaAsk, aAsk: it.aAsk,
      bidSource: it.bidSource, askSource: it.askSource,
      nTradesBid: nB, nTradesAsk: nA, nPrices: this.prices.length, garch,
    };
    return this.last;
  }

  // ---------------------------------------------------------------- prices and volatility

  private addPrice(t: number, p: number): void {
    this.prices.push(t, p);
    this.totalValidPrices++;
    if (this.totalValidPrices > 1) {
      const dt = Math.max(t - this.prevT, 0) / 1000;
      if (dt > 0) {
        const r = Math.log(p / this.prevP);
        if (Number.isFinite(r)) {
          this.returns.push(this.prevT, t, r * r, dt);
          if (this.returns.length === 1) this.ewRef = t;
          const decay = Math.exp(-this.ewK * (t - this.ewRef));
          this.ewNum = this.ewNum * decay + r * r;
          this.ewDen = this.ewDen * decay + dt;
          this.ewRef = t;
        }
      }
    }
    this.prevT = t;
    this.prevP = p;
    this.resample(t, p);
  }

  /** Incremental form of `resampleReturns` (same arithmetic, same order). */
  private resample(t: number, p: number): void {
    const step = 1000;
    if (!this.gStarted || t - this.gLastT > this.gridGapMs) {
      if (this.gStarted) this.gridAppend(this.gNext, this.gLastP);
      this.gStarted = true;
      this.gSeriesP = p;
      this.gLastT = t;
      this.gLastP = p;
      this.gNext = t + step;
      return;
    }
    while (this.gNext <= t) {
      this.gridAppend(this.gNext, this.gLastP);
      this.gNext += step;
    }
    this.gLastP = p;
    this.gLastT = t;
  }

  private gridAppend(b: number, p: number): void {
    const r = Math.log(p / this.gSeriesP);
    if (Number.isFinite(r)) {
      this.grid.push(b, r);
      this.gridTotal++;
    }
    this.gSeriesP = p;
  }

  private garchSigma(): GarchFit | null {
    const o = this.opts;
    const samples = o.garchFullHistory ? this.totalValidPrices : this.prices.length;
    if (samples < GARCH_MIN_SAMPLES) return null;
    const n = this.grid.length + 1;
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
    const r = this.scratch;
    const [ga, gb] = this.grid.views(1);
    r.set(ga);
    r.set(gb, ga.length);
    // the tail point after the last sample (as the original's final append)
    const tail = Math.log(this.gLastP / this.gSeriesP);
    let len = this.grid.length;
    if (Number.isFinite(tail)) r[len++] = tail;
    if (this.garchJobs) {
      this.garchJobs.submit(r, len, this.grid.length, this.gridTotal - this.grid.length);
      return null;
    }
    return this.garchChain.fit(r, len, this.grid.length);
  }

  private realizedSigma(): number | null {
    if (this.prices.length < 2 || this.returns.length < 2) return null;
    // in window order (oldest first), over the ring's contiguous parts
    const [r2a, r2b] = this.returns.views(R_R2), [dta, dtb] = this.returns.views(R_DT);
    let s2 = 0;
    let dt = 0;
    for (let i = 0; i < r2a.length; i++) {
      s2 += r2a[i]!;
      dt += dta[i]!;
    }
    for (let i = 0; i < r2b.length; i++) {
      s2 += r2b[i]!;
      dt += dtb[i]!;
    }
    if (!(dt > 0) || !(s2 > 0) || !Number.isFinite(s2 / dt)) return 0;
    return Math.sqrt(s2 / dt);
  }

  private ewmaSigma(): number | null {
    if (this.returns.length < 2) return null;
    if (!(this.ewDen > 0) || !(this.ewNum > 0) || !Number.isFinite(this.ewNum / this.ewDen)) return 0;
    return Math.sqrt(this.ewNum / this.ewDen);
  }

  // ---------------------------------------------------------------- exposures

  private closeExposure(end: number): void {
    const c = this.cur;
    if (!(end > c[0])) return;
    const dur = Math.min(end - c[0], this.opts.maxGapMs) / 1000;
    this.exposures.push(c[0], dur, c[2], c[3], c[4], c[5]);
    if (this.opts.exposureMode === "exact") {
      // a δ equal to the previous book's (the touch, most of the time) has its row already
      const g = this.gridExps, o = g.push(), nk = KAPPA_GRID.length, last = this.lastGridDelta;
      const p = g.length > 1 ? g.offset(g.length - 2) : -1;
      for (let b = 0; b < 4; b++) {
        const d = c[2 + b]!, row = o + b * nk;
        if (p >= 0 && d === last[b]) g.data.copyWithin(row, p + b * nk, p + (b + 1) * nk);
        else for (let i = 0; i < nk; i++) g.data[row + i] = Math.exp(-KAPPA_GRID[i]! * d);
        last[b] = d;
      }
    }
    this.expose(dur, c[2], c[3], c[4], c[5], 1);
  }

  private exposeCurrent(dur: number, sign: 1 | -1): void {
    const c = this.cur;
    this.expose(dur, c[2], c[3], c[4], c[5], sign);
  }

  private expose(dur: number, bmin: number, bmax: number, amin: number, amax: number, sign: 1 | -1): void {
    if (usableRange(bmin, bmax)) {
      this.hBidMin.update(bmin, dur, sign);
      this.hBidMax.update(bmax, dur, sign);
    }
    if (usableRange(amin, amax)) {
      this.hAskMin.update(amin, dur, sign);
      this.hAskMax.update(amax, dur, sign);
    }
  }

  /**
   * One side's MLE on the histograms: Newton on ℓ′ (intensity.ts `fitSideNewton`), falling back
   * to the grid and golden section when E stops being positive and finite on the way.
   */
  private fitBinned(n: number, sumDelta: number, hMin: ExposureHistogram, hMax: ExposureHistogram): SideFit | null {
    const m = this.momentScratch;
    const fit = fitSideNewton(n, sumDelta, (k, out) => {
      hMin.moments(k, out);
      hMax.moments(k, m);
      out[0] = out[0]! - m[0]!;
      out[1] = m[1]! - out[1]!;
      out[2] = out[2]! - m[2]!;
    }, this.opts.minTradesPerSide);
    if (fit !== undefined) return fit;
    return fitSide(n, sumDelta, (k) => hMin.evaluate(k) - hMax.evaluate(k), this.opts.minTradesPerSide);
  }

  /**
   * `exactExposure` on the whole κ grid (bit-identical: the same terms summed in the same order,
   * the exponentials taken from gridExps). `side`: 0 bid, 2 ask (the first of its two gridExps blocks).
   */
  private exactGrid(side: number, cMin: number, cMax: number, openDur: number, out: Float64Array): void {
    const x = this.exposures, g = this.gridExps, d = g.data, nk = KAPPA_GRID.length;
    for (let i = 0; i < nk; i++) out[i] = 0;
    for (let p = 0; p < x.length; p++) {
      if (!usableRange(x.get(p, cMin), x.get(p, cMax))) continue;
      const dur = x.get(p, X_DUR);
      const lo = g.offset(p) + side * nk, hi = lo + nk;
      for (let i = 0; i < nk; i++) out[i] += dur * (d[lo + i]! - d[hi + i]!);
    }
    if (openDur > 0) {
      const lo = this.cur[cMin]!, hi = this.cur[cMax]!;
      if (usableRange(lo, hi)) for (let i = 0; i < nk; i++) out[i] += openDur * (Math.exp(-KAPPA_GRID[i]! * lo) - Math.exp(-KAPPA_GRID[i]! * hi));
    }
  }

  /**
   * E(κ) summed point by point in time order, as the original (`exact` mode). An exponential is
   * reused while its δ repeats from one point to the next (the touch does for ~90 % of books):
   * the same value, so the same sum.
   */
  private exactExposure(k: number, cMin: number, cMax: number, openDur: number): number {
    const x = this.exposures;
    const [loA, loB] = x.views(cMin), [hiA, hiB] = x.views(cMax), [duA, duB] = x.views(X_DUR);
    let e = 0;
    let pLo = NaN, eLo = 0, pHi = NaN, eHi = 0;
    for (let part = 0; part < 2; part++) {
      const lo = part === 0 ? loA : loB, hi = part === 0 ? hiA : hiB, du = part === 0 ? duA : duB;
      for (let i = 0; i < lo.length; i++) {
        const a = lo[i]!, b = hi[i]!;
        if (!usableRange(a, b)) continue;
        if (a !== pLo) {
          pLo = a;
          eLo = Math.exp(-k * a);
        }
        if (b !== pHi) {
          pHi = b;
          eHi = Math.exp(-k * b);
        }
        e += du[i]! * (eLo - eHi);
      }
    }
    if (openDur > 0) {
      const lo = this.cur[cMin], hi = this.cur[cMax];
      if (usableRange(lo, hi)) e += openDur * (Math.exp(-k * lo) - Math.exp(-k * hi));
    }
    return e;
  }

  /** Adds (sign 1) or removes (−1) a windowed trade's δ from the running per-side sums (δ ≤ 0 / NaN: not counted). */
  private countTrade(side: number, d: number, sign: 1 | -1): void {
    if (!(d > 0)) return;
    if (side < 0) {
      this.nBid += sign;
      this.sumBid = this.nBid === 0 ? 0 : this.sumBid + sign * d;
    } else {
      this.nAsk += sign;
      this.sumAsk = this.nAsk === 0 ? 0 : this.sumAsk + sign * d;
    }
  }

  /** Re-sums the histograms and trade sums from the rings so add/remove rounding cannot accumulate. */
  private rebuildHistograms(): void {
    this.nBid = this.sumBid = this.nAsk = this.sumAsk = 0;
    const t = this.trades;
    for (let i = 0; i < t.length; i++) this.countTrade(t.get(i, T_SIDE), t.get(i, T_D), 1);
    this.sinceRebuild = 0;
    for (const h of [this.hBidMin, this.hBidMax, this.hAskMin, this.hAskMax]) h.clear();
    const x = this.exposures;
    for (let i = 0; i < x.length; i++) {
      this.expose(x.get(i, X_DUR), x.get(i, X_BMIN), x.get(i, X_BMAX), x.get(i, X_AMIN), x.get(i, X_AMAX), 1);
    }
  }

  // ---------------------------------------------------------------- window

  /** Drops everything older than the window (`now − ts > window`, as the original's prune). */
  private prune(now: number): void {
    const lim = now - this.opts.windowMs;
    const p = this.prices;
    while (p.length > 0 && p.get(0, 0) < lim) p.shift();
    const r = this.returns;
    while (r.length > 0 && r.get(0, R_TS0) < lim) {
      const w = Math.exp(-this.ewK * (this.ewRef - r.get(0, R_TS1)));
      this.ewNum -= w * r.get(0, R_R2);
      this.ewDen -= w * r.get(0, R_DT);
      r.shift();
    }
    if (r.length === 0 || this.ewNum < 0 || this.ewDen < 0) {
      if (r.length === 0) this.ewNum = this.ewDen = 0;
      else this.recomputeEwma();
    }
    if (!this.opts.garchFullHistory) {
      const g = this.grid;
      while (g.length > 0 && g.get(0, 0) < lim) g.shift();
    }
    const t = this.trades;
    while (t.length > 0 && t.get(0, T_TS) < lim) {
      this.countTrade(t.get(0, T_SIDE), t.get(0, T_D), -1);
      t.shift();
    }
    const x = this.exposures;
    while (x.length > 0 && x.get(0, X_TS) < lim) {
      this.expose(x.get(0, X_DUR), x.get(0, X_BMIN), x.get(0, X_BMAX), x.get(0, X_AMIN), x.get(0, X_AMAX), -1);
      if (this.opts.exposureMode === "exact") this.gridExps.shift();
      x.shift();
    }
  }

  private recomputeEwma(): void {
    const r = this.returns;
    let num = 0, den = 0;
    for (let i = 0; i < r.length; i++) {
      const w = Math.exp(-this.ewK * (this.ewRef - r.get(i, R_TS1)));
      num += w * r.get(i, R_R2);
      den += w * r.get(i, R_DT);
    }
    this.ewNum = num;
    this.ewDen = den;
  }
}
