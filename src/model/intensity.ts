/**
 * Fill intensity λ(δ) = A·e^(−κδ) per side by the exposure-aware truncated-exponential MLE of
 * docs/original.md §4.4. δ is the return-space distance |price − mid|/mid; a book snapshot held
 * for dur seconds "exposes" δ ∈ [δmin, δmax] (touch to deepest level). The log-likelihood is
 *   ℓ(κ) = n(ln κ − ln E(κ)) − κ·Σδ,   E(κ) = Σᵢ durᵢ(e^(−κ δminᵢ) − e^(−κ δmaxᵢ)),
 * maximised on a 61-point log grid over [1, 1e6] then 32 golden-section steps; A = nκ/E(κ).
 * κ is per unit relative distance (κ = 10⁴ ⇒ intensity falls by e per bp); A is trades·s⁻¹ per
 * unit δ (a density).
 */

import { relativeDistance } from "./exact_price.ts";

export const DEFAULT_KAPPA = 100;
export const DEFAULT_A = 10;
const KAPPA_MIN = 1;
const KAPPA_MAX = 1e6;

/**
 * True when κ sits at (within 1 % of) an end of the search range [1, 1e6]: the likelihood kept
 * rising towards the bound, so the data did not identify κ (e.g. trades spread evenly over the
 * exposed distances, or all at one distance). Such a fit is reported, but should not be trusted.
 */
export function kappaAtSearchBound(kappa: number): boolean {
  return kappa <= KAPPA_MIN * 1.01 || kappa >= KAPPA_MAX / 1.01;
}
const PHI = 0.61803398875;

/** E(κ): the exposure integral; must be > 0 and finite for a usable κ. */
export type ExposureFn = (kappa: number) => number;

export interface SideFit {
  kappa: number;
  a: number;
}

function logLik(n: number, sumDelta: number, kappa: number, E: ExposureFn): number {
  if (!(kappa > 0) || !Number.isFinite(kappa)) return -Infinity;
  return logLikAt(n, sumDelta, kappa, E(kappa));
}

function logLikAt(n: number, sumDelta: number, kappa: number, e: number): number {
  if (!(e > 0) || !Number.isFinite(e)) return -Infinity;
  return n * (Math.log(kappa) - Math.log(e)) - kappa * sumDelta;
}

/** The coarse search grid κᵢ = 10^(6i/60), i = 0..60. */
export const KAPPA_GRID = Float64Array.from({ length: 61 }, (_, i) => Math.pow(10, (6 * i) / 60));

/** Fills out[i] with E(KAPPA_GRID[i]) for all 61 grid points at once (same values as E). */
export type ExposureGridFn = (out: Float64Array) => void;
const GRID_E = new Float64Array(61);

/**
 * One side's MLE given n trade distances summing to `sumDelta` and the exposure function.
 * The grid and golden-section order are the original's, literally (ties: strictly greater).
 * Null when the side cannot be fitted (n < minTrades, Σδ ≤ 0, no finite ℓ, A not > 0).
 * `grid`, when given, supplies E on the 61 grid points in one call; it must equal E there.
 */
export function fitSide(n: number, sumDelta: number, E: ExposureFn, minTrades = 5, grid?: ExposureGridFn): SideFit | null {
  if (n < minTrades || n <= 0 || !(sumDelta > 0) || !Number.isFinite(sumDelta)) return null;
  let best = NaN;
  let bestL = -Infinity;
  if (grid) grid(GRID_E);
  for (let i = 0; i <= 60; i++) {
    const k = KAPPA_GRID[i]!;
    const l = grid ? logLikAt(n, sumDelta, k, GRID_E[i]!) : logLik(n, sumDelta, k, E);
    if (Number.isFinite(l) && l > bestL) {
      bestL = l;
      best = k;
    }
  }
  if (!Number.isFinite(bestL)) return null;
  let low = Math.max(best / 5, KAPPA_MIN);
  let high = Math.min(best * 5, KAPPA_MAX);
  if (high <= low) high = Math.min(10 * low, KAPPA_MAX);
  // E at the two interior points is kept with their ℓ: A at the winner reuses it (E is pure)
  let c = high - (high - low) * PHI;
  let d = low + (high - low) * PHI;
  let ec = E(c);
  let ed = E(d);
  let lc = logLikAt(n, sumDelta, c, ec);
  let ld = logLikAt(n, sumDelta, d, ed);
  for (let it = 0; it < 32; it++) {
    if (lc > ld) {
      high = d;
      d = c;
      ld = lc;
      ed = ec;
      c = high - (high - low) * PHI;
      ec = E(c);
      lc = logLikAt(n, sumDelta, c, ec);
    } else {
      low = c;
      c = d;
      lc = ld;
      ec = ed;
      d = low + (high - low) * PHI;
      ed = E(d);
      ld = logLikAt(n, sumDelta, d, ed);
    }
  }
  const kappa = lc > ld ? c : d;
  const a = (n * kappa) / (lc > ld ? ec : ed);
  if (!(a > 0) || !Number.isFinite(a) || !(kappa > 0)) return null;
  return { kappa, a };
}

/**
 * E(κ), E′(κ), E″(κ) at one κ: writes them to out[0..2]. (Moments of the exposed time: with
 * E(κ) = Σ dur·(e^(−κδmin) − e^(−κδmax)), E′ = −Σ dur·(δmin e^(−κδmin) − δmax e^(−κδmax)), …)
 */
export type ExposureDerivFn = (kappa: number, out: Float64Array) => void;
const DERIV = new Float64Array(3);

/**
 * The same MLE as `fitSide`, found by safeguarded Newton steps on ℓ′(κ) instead of the grid and
 * golden section. ℓ is concave in κ (E(κ)/κ is the Laplace transform of the exposed time per δ,
 * so ln E − ln κ is convex), hence ℓ′ = n/κ − n·E′/E − Σδ falls through one root in [1, 1e6] or
 * keeps its sign (the maximum is then the bound). Each step either follows Newton or, when that
 * leaves the bracket of known sign, tries the untried bound or halves the bracket in log space;
 * it stops when a step moves κ by < 1e-13 relative. Starts at n/Σδ (the untruncated MLE), so the
 * result depends on the window alone. The golden section's answer lies within its resolution
 * (~1e-6 relative) of this root. Null when `fitSide` would be null, or when E or its derivatives
 * stop being positive and finite on the way (callers then fall back to `fitSide`: `undefined`).
 */
export function fitSideNewton(n: number, sumDelta: number, D: ExposureDerivFn, minTrades = 5): SideFit | null | undefined {
  if (n < minTrades || n <= 0 || !(sumDelta > 0) || !Number.isFinite(sumDelta)) return null;
  let lo = KAPPA_MIN, hi = KAPPA_MAX;
  let loTried = false, hiTried = false;
  let k = Math.min(Math.max(n / sumDelta, lo), hi);
  const out = DERIV;
  for (let it = 0; it < 200; it++) {
    D(k, out);
    const e = out[0]!, e1 = out[1]!, e2 = out[2]!;
    if (!(e > 0) || !Number.isFinite(e) || !Number.isFinite(e1) || !Number.isFinite(e2)) return undefined;
    if (k === KAPPA_MIN) loTried = true;
    if (k === KAPPA_MAX) hiTried = true;
    const f = n / k - (n * e1) / e - sumDelta;
    const fp = -n / (k * k) - (n * (e2 * e - e1 * e1)) / (e * e);
    if (f > 0) lo = k;
    else if (f < 0) hi = k;
    let next = f === 0 ? k : k - f / fp;
    const done = f === 0 || (f > 0 && k === KAPPA_MAX) || (f < 0 && k === KAPPA_MIN) || Math.abs(next - k) <= 1e-13 * k;
    if (done) {
      const a = (n * k) / e;
      return a > 0 && Number.isFinite(a) ? { kappa: k, a } : null;
    }
    if (!(next > lo && next < hi)) {
      if (!(next > lo) && lo === KAPPA_MIN && !loTried) next = KAPPA_MIN;
      else if (!(next < hi) && hi === KAPPA_MAX && !hiTried) next = KAPPA_MAX;
      else next = Math.sqrt(lo * hi);
    }
    k = next;
  }
  return undefined;
}

/** Exposure intervals of one side as plain arrays (the non-incremental form). */
export function exposureFromArrays(dur: ArrayLike<number>, dmin: ArrayLike<number>, dmax: ArrayLike<number>, len = dur.length): ExposureFn {
  return (k) => {
    let e = 0;
    for (let i = 0; i < len; i++) e += dur[i] * (Math.exp(-k * dmin[i]) - Math.exp(-k * dmax[i]));
    return e;
  };
}

/** One order-book point: return-space exposed range per side (§4.1 `add_orderbook`). */
export interface BookPoint {
  ts: number;
  mid: number;
  bidMin: number;
  bidMax: number;
  askMin: number;
  askMax: number;
}

/** §4.1: δ ranges from best and farthest level prices; null when mid is not usable. */
export function bookPoint(ts: number, mid: number, bestBid: number, bestAsk: number, farBid: number, farAsk: number): BookPoint | null {
  if (!Number.isFinite(mid) || mid <= 0) return null;
  const r = bookRanges(mid, bestBid, bestAsk, farBid, farAsk);
  return { ts, mid, bidMin: r[0], bidMax: r[1], askMin: r[2], askMax: r[3] };
}

const RANGES = new Float64Array(4);
/** The inputs RANGES was computed from (NaN never compares equal: the first call computes). */
const RANGES_IN = new Float64Array(5).fill(NaN);

/**
 * δ ranges of a book around `mid` (exact, exact_price.ts): [bidMin, bidMax, askMin, askMax], each
 * max(distance, 0); a missing level (not finite or ≤ 0) counts as price 0. Returns a shared
 * scratch array: copy it before the next call.
 */
export function bookRanges(mid: number, bestBid: number, bestAsk: number, farBid: number, farAsk: number): Float64Array {
  // consecutive books often repeat all five prices (only sizes changed): the ranges are already here
  const L = RANGES_IN;
  if (mid === L[0] && bestBid === L[1] && bestAsk === L[2] && farBid === L[3] && farAsk === L[4]) return RANGES;
  L[0] = mid;
  L[1] = bestBid;
  L[2] = bestAsk;
  L[3] = farBid;
  L[4] = farAsk;
  const z = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0);
  RANGES[0] = Math.max(relativeDistance(z(bestBid), mid, -1), 0);
  RANGES[1] = Math.max(relativeDistance(z(farBid), mid, -1), 0);
  RANGES[2] = Math.max(relativeDistance(z(bestAsk), mid, 1), 0);
  RANGES[3] = Math.max(relativeDistance(z(farAsk), mid, 1), 0);
  return RANGES;
}

/** Whether a side's exposure interval counts (§4.4 step 3). */
export const usableRange = (dmin: number, dmax: number) =>
  Number.isFinite(dmin) && Number.isFinite(dmax) && dmax > dmin && dmax > 0;

/**
 * Trade distance δ for a trade on `side` (+1 ask / lifted by a buyer, −1 bid / hit by a seller),
 * exact (a trade at the mid is at δ = 0, not ±1e-16); NaN unless δ > 0.
 */
export function tradeDelta(price: number, mid: number, side: number): number {
  const d = relativeDistance(price, mid, side);
  return d > 0 && Number.isFinite(d) ? d : NaN;
}

/**
 * Which book a trade is measured against. `strictly_before` (default): the latest book strictly
 * before it in event order — no look-ahead. `original` (docs/original.md §4.4 step 2): the last
 * book in the calibration window with ts ≤ trade ts — so a book of the same millisecond, which
 * the merge puts after the trade — and, when there is none in the window, the window's first
 * book (a later one).
 */
export type TradeBookRule = "strictly_before" | "original";

export interface IntensityInput {
  /** Trades in time order: ts, price, side (−1: seller-initiated, hits bids; +1: buyer, lifts asks). */
  tradeTs: ArrayLike<number>;
  tradePx: ArrayLike<number>;
  tradeSide: ArrayLike<number>;
  points: BookPoint[];
  windowEnd: number;
  minTrades?: number;
  /** A snapshot describes the market for at most this long (ms): exposure is capped there and
   * trades later than that after it are ignored. Infinity = the original. */
  maxGapMs?: number;
  rule?: TradeBookRule;
}

export interface TradeSums {
  nBid: number;
  sumBid: number;
  nAsk: number;
  sumAsk: number;
}

/**
 * n and Σδ per side. `strictly_before`: each trade is measured against the last point with ts
 * strictly before it (fix of 9.3-14); trades with no such point are skipped. `original`: the last
 * point with ts ≤ trade ts, or the first point when the trade precedes them all (`points` must
 * then be the window's points). Trades whose point is older than maxGapMs are skipped.
 */
export function tradeSums(tradeTs: ArrayLike<number>, tradePx: ArrayLike<number>, tradeSide: ArrayLike<number>, points: BookPoint[], maxGapMs = Infinity, rule: TradeBookRule = "strictly_before"): TradeSums {
  const s: TradeSums = { nBid: 0, sumBid: 0, nAsk: 0, sumAsk: 0 };
  const orig = rule === "original";
  let j = -1;
  for (let i = 0; i < tradeTs.length; i++) {
    const t = tradeTs[i];
    while (j + 1 < points.length && (orig ? points[j + 1].ts <= t : points[j + 1].ts < t)) j++;
    if (j < 0 && !(orig && points.length > 0)) continue;
    const p = points[Math.max(j, 0)];
    if (t - p.ts > maxGapMs) continue;
    const side = tradeSide[i];
    if (side === 0 || !Number.isFinite(side)) continue;
    const d = tradeDelta(tradePx[i], p.mid, side);
    if (!(d > 0)) continue;
    if (side < 0) { s.nBid++; s.sumBid += d; } else { s.nAsk++; s.sumAsk += d; }
  }
  return s;
}

/**
 * Exposure functions per side from the window's points (§4.4 step 3): point i is exposed from
 * its ts to the next point's ts (the last one to windowEnd), capped at maxGapMs; null when a side
 * has no usable interval.
 */
export function exposures(points: BookPoint[], windowEnd: number, maxGapMs = Infinity): { bid: ExposureFn | null; ask: ExposureFn | null } {
  const m = points.length;
  const durB: number[] = [], bmin: number[] = [], bmax: number[] = [];
  const durA: number[] = [], amin: number[] = [], amax: number[] = [];
  for (let i = 0; i < m; i++) {
    const p = points[i];
    const end = i + 1 < m ? points[i + 1].ts : windowEnd;
    if (end <= p.ts) continue;
    const d = Math.min(end - p.ts, maxGapMs) / 1000;
    if (usableRange(p.bidMin, p.bidMax)) { durB.push(d); bmin.push(p.bidMin); bmax.push(p.bidMax); }
    if (usableRange(p.askMin, p.askMax)) { durA.push(d); amin.push(p.askMin); amax.push(p.askMax); }
  }
  return {
    bid: durB.length ? exposureFromArrays(durB, bmin, bmax) : null,
    ask: durA.length ? exposureFromArrays(durA, amin, amax) : null,
  };
}

export interface IntensityFit {
  bid: SideFit | null;
  ask: SideFit | null;
  nBid: number;
  nAsk: number;
}

/** Non-incremental §4.4 on one window: `tradeSums` + `exposures` + `fitSide` per side. */
export function fitIntensity(input: IntensityInput): IntensityFit {
  const minTrades = input.minTrades ?? 5;
  const maxGap = input.maxGapMs ?? Infinity;
  const t = tradeSums(input.tradeTs, input.tradePx, input.tradeSide, input.points, maxGap, input.rule);
  const e = exposures(input.points, input.windowEnd, maxGap);
  return {
    bid: e.bid ? fitSide(t.nBid, t.sumBid, e.bid, minTrades) : null,
    ask: e.ask ? fitSide(t.nAsk, t.sumAsk, e.ask, minTrades) : null,
    nBid: t.nBid,
    nAsk: t.nAsk,
  };
}

/** How a side's reported (κ, A) was obtained. */
export type FitSource = "fitted" | "copied" | "kept" | "default";

export interface CombinedIntensity {
  kappaBid: number;
  aBid: number;
  kappaAsk: number;
  aAsk: number;
  /** `fitted`, `kept` (failed fit, last good one kept), `copied` (other side's), `default` (100/10). */
  bidSource: FitSource;
  askSource: FitSource;
}

/**
 * §4.4 step 5 plus the failed-fit policy. Compat (`resetFailedFits`): one side fitted → used for
 * both; none → defaults 100/10 (the original, bug 9.3-16). Default: a failed side keeps its last
 * good fit; without one it copies the other side's current fit; else the defaults.
 */
export function combineSides(fit: { bid: SideFit | null; ask: SideFit | null }, prev: CombinedIntensity | null, resetFailedFits: boolean): CombinedIntensity {
  const pick = (own: SideFit | null, other: SideFit | null, prevK: number | null, prevA: number | null, prevSrc: FitSource | null): [number, number, FitSource] => {
    if (own) return [own.kappa, own.a, "fitted"];
    if (!resetFailedFits && prevK !== null && prevA !== null && prevSrc !== "default") return [prevK, prevA, "kept"];
    if (other) return [other.kappa, other.a, "copied"];
    return [DEFAULT_KAPPA, DEFAULT_A, "default"];
  };
  const [kb, ab, sb] = pick(fit.bid, fit.ask, prev?.kappaBid ?? null, prev?.aBid ?? null, prev?.bidSource ?? null);
  const [ka, aa, sa] = pick(fit.ask, fit.bid, prev?.kappaAsk ?? null, prev?.aAsk ?? null, prev?.askSource ?? null);
  return { kappaBid: kb, aBid: ab, kappaAsk: ka, aAsk: aa, bidSource: sb, askSource: sa };
}
