/**
 * Fill intensity λ(δ) = A·e^(−κδ) per side by the exposure-aware truncated-exponential MLE of
 * docs/original.md §4.4. δ is the return-space distance |price − mid|/mid; a book snapshot held
 * for dur seconds "exposes" δ ∈ [δmin, δmax] (touch to deepest level). The log-likelihood is
 *   ℓ(κ) = n(ln κ − ln E(κ)) − κ·Σδ,   E(κ) = Σᵢ durᵢ(e^(−κ δminᵢ) − e^(−κ δmaxᵢ)),
 * maximised on a 61-point log grid over [1, 1e6] then 32 golden-section steps; A = nκ/E(κ).
 * κ is per unit relative distance (κ = 10⁴ ⇒ intensity falls by e per bp); A is trades·s⁻¹ per
 * unit δ (a density).
 */

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
  const e = E(kappa);
  if (!(e > 0) || !Number.isFinite(e)) return -Infinity;
  return n * (Math.log(kappa) - Math.log(e)) - kappa * sumDelta;
}

/**
 * One side's MLE given n trade distances summing to `sumDelta` and the exposure function.
 * The grid and golden-section order are the original's, literally (ties: strictly greater).
 * Null when the side cannot be fitted (n < minTrades, Σδ ≤ 0, no finite ℓ, A not > 0).
 */
export function fitSide(n: number, sumDelta: number, E: ExposureFn, minTrades = 5): SideFit | null {
  if (n < minTrades || n <= 0 || !(sumDelta > 0) || !Number.isFinite(sumDelta)) return null;
  let best = NaN;
  let bestL = -Infinity;
  for (let i = 0; i <= 60; i++) {
    const k = Math.pow(10, (6 * i) / 60);
    const l = logLik(n, sumDelta, k, E);
    if (Number.isFinite(l) && l > bestL) {
      bestL = l;
      best = k;
    }
  }
  if (!Number.isFinite(bestL)) return null;
  let low = Math.max(best / 5, KAPPA_MIN);
  let high = Math.min(best * 5, KAPPA_MAX);
  if (high <= low) high = Math.min(10 * low, KAPPA_MAX);
  let c = high - (high - low) * PHI;
  let d = low + (high - low) * PHI;
  let lc = logLik(n, sumDelta, c, E);
  let ld = logLik(n, sumDelta, d, E);
  for (let it = 0; it < 32; it++) {
    if (lc > ld) {
      high = d;
      d = c;
      ld = lc;
      c = high - (high - low) * PHI;
      lc = logLik(n, sumDelta, c, E);
    } else {
      low = c;
      c = d;
      lc = ld;
      d = low + (high - low) * PHI;
      ld = logLik(n, sumDelta, d, E);
    }
  }
  const kappa = lc > ld ? c : d;
  const a = (n * kappa) / E(kappa);
  if (!(a > 0) || !Number.isFinite(a) || !(kappa > 0)) return null;
  return { kappa, a };
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

/** Whether a side's exposure interval counts (§4.4 step 3). */
export const usableRange = (dmin: number, dmax: number) =>
  Number.isFinite(dmin) && Number.isFinite(dmax) && dmax > dmin && dmax > 0;

/** Trade distance δ for a trade on `side` (+1 ask / lifted by a buyer, −1 bid / hit by a seller). */
export function tradeDelta(price: number, mid: number, side: number): number {
  const d = side < 0 ? (mid - price) / mid : (price - mid) / mid;
  return d > 0 && Number.isFinite(d) ? d : NaN;
}

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
}

export interface TradeSums {
  nBid: number;
  sumBid: number;
  nAsk: number;
  sumAsk: number;
}

/**
 * n and Σδ per side. Each trade is measured against the last point with ts strictly before it
 * (fix of 9.3-14: the original used ts ≤ trade ts and, before the first point, a later point);
 * trades with no such point, or whose point is older than maxGapMs, are skipped.
 */
export function tradeSums(tradeTs: ArrayLike<number>, tradePx: ArrayLike<number>, tradeSide: ArrayLike<number>, points: BookPoint[], maxGapMs = Infinity): TradeSums {
  const s: TradeSums = { nBid: 0, sumBid: 0, nAsk: 0, sumAsk: 0 };
  let j = -1;
  for (let i = 0; i < tradeTs.length; i++) {
    const t = tradeTs[i];
    while (j + 1 < points.length && points[j + 1].ts < t) j++;
    if (j < 0) continue;
    const p = points[j];
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
  const t = tradeSums(input.tradeTs, input.tradePx, input.tradeSide, input.points, maxGap);
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
