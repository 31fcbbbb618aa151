/**
 * The straightforward, non-incremental calibrator: keeps every event in plain arrays and
 * recomputes each calibration from scratch with the pure functions (window slice → realized /
 * EWMA / resample + GARCH, window points → `fitIntensity`). It is the specification the
 * incremental `CalibrationEngine` is tested against and the baseline of bench/calibration.ts.
 * Same API and same results (up to the exposure histogram's < 1e-11 relative approximation).
 */
import { bookPoint, combineSides, exposures, fitSide, tradeSums, type BookPoint, type CombinedIntensity } from "./intensity.ts";
import type { CalibrationResult, EngineOptions, SigmaSource } from "./engine.ts";
import { GARCH_MIN_SAMPLES, GARCH_RIDGE_SEEDS, ewmaVolatility, garchFit, realizedVolatility, resampleReturns, validPrice, type GarchFit } from "./volatility.ts";

export class ReferenceCalibrator {
  private pts: number[] = [];
  private pxs: number[] = [];
  private points: BookPoint[] = [];
  private tTs: number[] = [];
  private tPx: number[] = [];
  private tSide: number[] = [];
  private lastCal: number | null = null;
  private intensity: CombinedIntensity | null = null;
  private garchPrev: { alpha: number; beta: number } | null = null;
  private garchLastFull: { alpha: number; beta: number } | null = null;
  private lenAtFull = 0;
  private sinceFullGrid = Infinity;
  last: CalibrationResult | null = null;

  constructor(readonly opts: EngineOptions) {}

  onBook(ts: number, mid: number, bestBid: number, bestAsk: number, farBid: number, farAsk: number): void {
    if (!validPrice(mid)) return;
    this.pts.push(ts);
    this.pxs.push(mid);
    this.points.push(bookPoint(ts, mid, bestBid, bestAsk, farBid, farAsk)!);
  }

  onTrade(ts: number, price: number, side: number): void {
    if (side === 0 || !Number.isFinite(side) || !validPrice(price) || !Number.isFinite(ts)) return;
    this.tTs.push(ts);
    this.tPx.push(price);
    this.tSide.push(side < 0 ? -1 : 1);
  }

  /** First index with arr[i] ≥ lim (arrays are in time order). */
  private windowStart(arr: number[], lim: number): number {
    let lo = 0, hi = arr.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (arr[m] < lim) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  shouldRecalibrate(ts: number): boolean {
    if (this.lastCal === null) return this.pts.length - this.windowStart(this.pts, ts - this.opts.windowMs) >= this.opts.minPrices;
    return ts >= this.lastCal + this.opts.recalibrationIntervalMs;
  }

  calibrate(now: number): CalibrationResult {
    const o = this.opts;
    const lim = now - o.windowMs;
    const p0 = this.windowStart(this.pts, lim);
    const nPrices = this.pts.length - p0;
    let raw: number | null = null;
    let src: SigmaSource = "none";
    let garch: GarchFit | null = null;
    if (o.volatilityModel === "garch") {
      const samples = o.garchFullHistory ? this.pts.length : nPrices;
      if (samples >= GARCH_MIN_SAMPLES) {
        const g = resampleReturns(this.pts, this.pxs, 1000, o.garchFullHistory ? Infinity : o.maxGapMs);
        let k0 = 0;
        if (!o.garchFullHistory) while (k0 < g.length && g.bucketTs[k0] < lim) k0++;
        const len = g.length - k0;
        const full = this.garchPrev === null || this.sinceFullGrid + 1 >= o.garchFullGridEvery || len > 1.25 * this.lenAtFull;
        const seeds = full ? undefined : [this.garchPrev!, ...(this.garchLastFull ? [this.garchLastFull] : []), ...GARCH_RIDGE_SEEDS];
        const fit = garchFit(g.ret, k0, g.length, seeds, true, o.garchWarmStride);
        this.sinceFullGrid = full ? 0 : this.sinceFullGrid + 1;
        if (fit) {
          this.garchPrev = { alpha: fit.alpha, beta: fit.beta };
          if (full) {
            this.garchLastFull = this.garchPrev;
            this.lenAtFull = len;
          }
          garch = fit;
          raw = Math.sqrt(fit.variance);
          src = "garch";
        }
      }
    } else if (o.volatilityModel === "ewma") {
      raw = ewmaVolatility(this.pts, this.pxs, this.pts[this.pts.length - 1] ?? now, o.ewmaHalfLifeSeconds, p0);
      if (raw !== null) src = "ewma";
    }
    if (raw === null) {
      raw = realizedVolatility(this.pts, this.pxs, p0);
      if (raw !== null) src = "realized";
    }
    if (raw === null) {
      raw = this.last?.sigmaRaw ?? 0;
      src = this.last ? "kept" : "none";
    }
    let sigma = raw;
    if (o.maxVolatility > o.minVolatility) sigma = Math.min(Math.max(sigma, o.minVolatility), o.maxVolatility);
    sigma = Math.max(sigma, 0);

    // strictly_before: trades are measured against the book strictly before them, even if it left
    // the window; original: against the window's books only. Exposures come from the window's points.
    const q0 = lowerBound(this.points, lim);
    const t0 = this.windowStart(this.tTs, lim);
    const tp0 = o.tradeBookRule === "original" ? q0 : t0 < this.tTs.length ? Math.max(lowerBound(this.points, this.tTs[t0]) - 1, 0) : 0;
    const ts = tradeSums(this.tTs.slice(t0), this.tPx.slice(t0), this.tSide.slice(t0), this.points.slice(tp0), o.maxGapMs, o.tradeBookRule);
    const ex = exposures(this.points.slice(q0), now, o.maxGapMs);
    const fit = {
      bid: ex.bid ? fitSide(ts.nBid, ts.sumBid, ex.bid, o.minTradesPerSide) : null,
      ask: ex.ask ? fitSide(ts.nAsk, ts.sumAsk, ex.ask, o.minTradesPerSide) : null,
    };
    this.intensity = combineSides(fit, this.intensity, o.resetFailedFits);
    this.lastCal = now;
    const it = this.intensity;
    this.last = {
      ts: now, sigma, sigmaRaw: raw, sigmaSource: src,
      kappaBid: it.kappaBid, aBid: it.aBid, kappaAsk: it.kappaAsk, aAsk: it.aAsk,
      bidSource: it.bidSource, askSource: it.askSource,
      nTradesBid: ts.nBid, nTradesAsk: ts.nAsk, nPrices, garch,
    };
    return this.last;
  }
}

/** First index whose point ts ≥ t (points are in time order). */
function lowerBound(points: BookPoint[], t: number): number {
  let lo = 0, hi = points.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (points[m].ts < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}
