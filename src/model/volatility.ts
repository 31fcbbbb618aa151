/**
 * Volatility estimators on mid prices. σ is a log-return standard deviation per √second, so σ²·T
 * (T in seconds) is dimensionless (docs/original.md §4.2–4.3).
 *
 * Inputs are parallel arrays of epoch-ms timestamps and prices, in time order.
 */

import { GarchBatch, garchLogLikBatch, tsGarchScreen, type GarchScreen } from "./garch_batch.ts";

const LN_2PI = 1.8378770664093453;

/** A price the estimators accept: finite and > 0 (the original's sanitising step). */
export const validPrice = (p: number) => Number.isFinite(p) && p > 0;

/**
 * Realized volatility √(Σr²/Σdt) over consecutive valid prices (§4.2, literally): pairs with
 * dt ≤ 0 or a non-finite log return are skipped (that move is lost, as in the original); no mean
 * is subtracted. Null with fewer than 2 valid prices or 2 returns; 0 when Σdt or Σr² is not > 0.
 */
export function realizedVolatility(ts: ArrayLike<number>, px: ArrayLike<number>, from = 0, to = ts.length): number | null {
  let sumR2 = 0;
  let sumDt = 0;
  const nRet = forEachReturn(ts, px, from, to, (_t, r, dt) => {
    sumR2 += r * r;
    sumDt += dt;
  });
  if (nRet < 2) return null;
  if (!(sumDt > 0) || !(sumR2 > 0) || !Number.isFinite(sumR2 / sumDt)) return 0;
  return Math.sqrt(sumR2 / sumDt);
}

/**
 * The pairs both literal estimators use: consecutive valid prices with dt > 0 and a finite log
 * return r = ln(p₂/p₁); `visit(t of the later price, r, dt in s)`. Returns the number of pairs.
 */
function forEachReturn(ts: ArrayLike<number>, px: ArrayLike<number>, from: number, to: number, visit: (t: number, r: number, dt: number) => void): number {
  let prevT = NaN;
  let prevP = NaN;
  let valid = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const p = px[i];
    if (!validPrice(p)) continue;
    const t = ts[i];
    if (valid > 0) {
      const dt = Math.max(t - prevT, 0) / 1000;
      if (dt > 0) {
        const r = Math.log(p / prevP);
        if (Number.isFinite(r)) {
          visit(t, r, dt);
          n++;
        }
      }
    }
    prevT = t;
    prevP = p;
    valid++;
  }
  return n;
}

/** Returns on a fixed time grid; `bucketTs[k]` is the grid time of the later price of return k. */
export interface GridReturns {
  bucketTs: Float64Array;
  ret: Float64Array;
  length: number;
}

/**
 * 1-second (stepMs) resampling as the original's `build_fixed_step_returns` (§4.3): a grid point
 * b takes the last price seen strictly before b; one final point after the last sample carries the
 * last price. The one deliberate difference: when two consecutive valid samples are more than
 * `maxGapMs` apart the series is cut — no flat prices are invented across the hole and no return
 * spans it; the grid restarts at the sample after the gap. `maxGapMs = Infinity` is the original.
 */
export function resampleReturns(
  ts: ArrayLike<number>,
  px: ArrayLike<number>,
  stepMs = 1000,
  maxGapMs = Infinity,
  from = 0,
  to = ts.length,
): GridReturns {
  const bucketTs: number[] = [];
  const ret: number[] = [];
  let started = false;
  let seriesP = 0; // last price appended to the current segment's series
  let lastT = 0;
  let lastP = 0;
  let next = 0;
  const append = (b: number, p: number) => {
    const r = Math.log(p / seriesP);
    if (Number.isFinite(r)) {
      bucketTs.push(b);
      ret.push(r);
    }
    seriesP = p;
  };
  for (let i = from; i < to; i++) {
    const p = px[i];
    if (!validPrice(p)) continue;
    const t = ts[i];
    if (!started || t - lastT > maxGapMs) {
      if (started) append(next, lastP); // close the previous segment like the end of a series
      started = true;
      seriesP = p;
      lastT = t;
      lastP = p;
      next = t + stepMs;
      continue;
    }
    while (next <= t) {
      append(next, lastP);
      next += stepMs;
    }
    lastP = p;
    lastT = t;
  }
  if (started) append(next, lastP);
  return { bucketTs: Float64Array.from(bucketTs), ret: Float64Array.from(ret), length: ret.length };
}

export interface GarchFit {
  alpha: number;
  beta: number;
  /** Log-likelihood of the best (α, β). */
  logLik: number;
  /** One-step variance forecast σ²_{n+1}, per second. */
  variance: number;
}

/** Mean of r² (the variance target); NaN when not usable. */
export function meanSquare(r: ArrayLike<number>, from = 0, to = r.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += r[i] * r[i];
  const v = s / (to - from);
  return Number.isFinite(v) && v > 0 ? v : NaN;
}

/**
 * Gaussian GARCH(1,1) log-likelihood with variance targeting (§4.3). Writes the forecast
 * σ²_{n+1} to out[0] and returns ℓ; −∞ for an inadmissible (α, β).
 */
export function garchLogLik(r: ArrayLike<number>, from: number, to: number, vbar: number, alpha: number, beta: number, out: Float64Array): number {
  return garchLogLikExact(r, from, to, vbar, alpha, beta, out);
}

function garchLogLikExact(r: ArrayLike<number>, from: number, to: number, vbar: number, alpha: number, beta: number, out: Float64Array): number {
  if (alpha < 0 || beta < 0 || alpha + beta >= 0.999) return -Infinity;
  const omega = vbar * (1 - alpha - beta);
  if (!(omega > 0)) return -Infinity;
  let s2 = Math.max(vbar, 1e-12);
  let ll = 0;
  for (let i = from; i < to; i++) {
    const x = r[i] * r[i];
    ll += -0.5 * (LN_2PI + Math.log(s2) + x / s2);
    s2 = omega + alpha * x + beta * s2;
  }
  out[0] = s2;
  return ll;
}

/**
 * The same likelihood with Σ ln σ²ₜ taken as ln of blocks of 8 products (one log per 8 steps
 * instead of one per step): equal to `garchLogLik` up to rounding (~1e-15 relative), ~3× faster.
 * Safe because σ²ₜ ≥ ω ≥ 0.001·v̄ and callers use it only for v̄ ≥ 1e-30 (no under/overflow of
 * a block product). The engine uses it (windowed and full-history); `garchVolatility` does not.
 */
export function garchLogLikBlocked(r: ArrayLike<number>, from: number, to: number, vbar: number, alpha: number, beta: number, out: Float64Array): number {
  if (alpha < 0 || beta < 0 || alpha + beta >= 0.999) return -Infinity;
  const omega = vbar * (1 - alpha - beta);
  if (!(omega > 0)) return -Infinity;
  let s2 = Math.max(vbar, 1e-12);
  let sumLog = 0;
  let sumQ = 0;
  let prod = 1;
  let k = 0;
  for (let i = from; i < to; i++) {
    const x = r[i] * r[i];
    prod *= s2;
    sumQ += x / s2;
    if (++k === 8) {
      sumLog += Math.log(prod);
      prod = 1;
      k = 0;
    }
    s2 = omega + alpha * x + beta * s2;
  }
  sumLog += Math.log(prod);
  out[0] = s2;
  return -0.5 * ((to - from) * LN_2PI + sumLog + sumQ);
}

/**
 * Extra seeds of a warm-started search: coarse-grid points on the persistent ridge α + β ≈ 0.98
 * where GARCH optima of intraday returns usually sit, so a walk left in another basin by a
 * regime change can jump back without waiting for the next full grid.
 */
export const GARCH_RIDGE_SEEDS: readonly { alpha: number; beta: number }[] = [
  { alpha: 0.02, beta: 0.96 }, { alpha: 0.04, beta: 0.94 }, { alpha: 0.06, beta: 0.92 }, { alpha: 0.1, beta: 0.88 }, { alpha: 0.2, beta: 0.78 },
];

const REFINE = [-0.02, -0.01, -0.005, 0, 0.005, 0.01, 0.02];

/**
 * The original's search (§4.3), literally: coarse grid α = 0.02i (i = 0..25, outer), β = 0.02j
 * (j = 0..49, inner), then the greedy 7×7 refinement walk whose offsets are relative to the best
 * so far (updated immediately); "better" is strictly greater ℓ.
 *
 * `start`, when given, replaces the full coarse grid by these seeds (plus every `stride`-th grid
 * point when stride > 0); the walk then starts from the best of them, with its ℓ as the bar to
 * beat (warm start from previous calibrations; see docs/model.md).
 * `blockedLog` selects `garchLogLikBlocked` (the engine's choice).
 * `coarse`, for the full grid, evaluates it instead of the plain pass (garch_full.ts skips points
 * it proves cannot win); the grid's winner, and so the fit, is the same.
 * Null with fewer than 5 returns or a non-positive mean square.
 */
export function garchFit(
  r: ArrayLike<number>, from = 0, to = r.length, start?: readonly { alpha: number; beta: number }[], blockedLog = false, stride = 0, coarse?: CoarseGrid,
  screenWith: GarchScreen = TS_SCREEN,
): GarchFit | null {
  if (to - from < 5) return null;
  const vbar = meanSquare(r, from, to);
  if (!(vbar > 0)) return null;
  const blocked = blockedLog && vbar >= 1e-30;
  // Candidates are evaluated several at a time (garch_batch.ts, bit-identical to one at a time) and
  // their results taken in the literal order: "better" = strictly greater ℓ, best updated at once.
  // In the blocked mode the batch is screened (`screenWith`: garchLogLikScreen's four lanes or the
  // WASM core's eight, ℓ within a proven bound of the blocked ℓ): a comparison the bounds decide
  // is the exact one's, an undecided one is settled by evaluating both sides exactly, so the
  // search's path and fit are the literal ones.
  const screen = blocked;
  const g = screen ? batchOf(screenWith.lanes) : BATCH;
  let xmax = 0;
  if (screen) {
    for (let i = from; i < to; i++) xmax = Math.max(xmax, r[i]! * r[i]!);
    screenWith.load(r, from, to);
  }
  // exact ℓ already computed in this fit, by (α, β): the walk's clamping at α = 0 or β = 0 repeats
  // candidates, and on the degenerate α = 0 line (σ²ₜ = v̄ for every β) every comparison is undecided
  let nCached = 0;
  const exact = (a: number, b: number) => {
    for (let i = 0; i < nCached; i++) if (CACHE_A[i] === a && CACHE_B[i] === b) return CACHE_L[i]!;
    const l = garchLogLikBlocked(r, from, to, vbar, a, b, EXACT_OUT);
    if (nCached < CACHE_A.length) {
      CACHE_A[nCached] = a;
      CACHE_B[nCached] = b;
      CACHE_L[nCached++] = l;
    }
    return l;
  };
  let bestA = 0.1;
  let bestB = 0.85;
  let bestV = vbar;
  let bestL = -Infinity;
  /** Bound on |bestL − the exact ℓ of the best| (0: bestL is exact). */
  let bestE = 0;
  // Candidates wait in `seq`, in the literal order, until taken. Each has a result slot: a memo
  // slot (seeds and walk: the walk revisits points — its zero offset, steps back, lanes discarded
  // after an improvement — and a revisit is free) or a scratch slot (the coarse grid's unique
  // points). Uncached ones are evaluated a batch (the screen's width) at a time.
  let nMemo = 0;
  let nSeq = 0;
  const laneSlot = LANE_SLOT;
  const lookup = (a: number, b: number) => {
    for (let i = 0; i < nMemo; i++) if (MEMO_A[i] === a && MEMO_B[i] === b) return i;
    return -1;
  };
  /** Queues a candidate; true when the batch is full (or the queue is) and must be taken. */
  const enqueue = (a: number, b: number, memo: boolean, step: number): boolean => {
    let s = memo ? lookup(a, b) : -1;
    if (s < 0) {
      s = memo && nMemo < MEMO_CAP ? nMemo++ : MEMO_CAP + nSeq;
      MEMO_A[s] = a;
      MEMO_B[s] = b;
      laneSlot[g.m] = s;
      g.alpha[g.m] = a;
      g.beta[g.m] = b;
      g.m++;
    }
    SEQ_SLOT[nSeq] = s;
    SEQ_STEP[nSeq++] = step;
    return g.m === g.width || nSeq === SEQ_SLOT.length;
  };
  /** Evaluates the waiting lanes, then takes the queued candidates in order; returns the queue index of the first improvement (−1: none). */
  const take = (stopAtImprovement: boolean): number => {
    if (g.m > 0) {
      if (screen) screenWith.run(vbar, g, xmax);
      else garchLogLikBatch(r, from, to, vbar, g, blocked);
      for (let k = 0; k < g.m; k++) {
        const s = laneSlot[k]!;
        MEMO_L[s] = g.logLik[k]!;
        MEMO_E[s] = screen ? g.bound[k]! : 0;
        MEMO_V[s] = g.variance[k]!;
      }
      g.m = 0;
    }
    let improved = -1;
    for (let q = 0; q < nSeq; q++) {
      const s = SEQ_SLOT[q]!, a = MEMO_A[s]!, b = MEMO_B[s]!;
      let l = MEMO_L[s]!, e = MEMO_E[s]!;
      if (e !== 0) {
        if (l - e > bestL + bestE) {
          // certainly strictly greater than the best's exact ℓ
        } else if (l + e <= bestL - bestE || (a === bestA && b === bestB && bestL > -Infinity)) {
          // (the best itself again, e.g. the walk's zero offset: the same ℓ, not strictly greater)
          continue;
        } else {
          if (bestE !== 0) {
            bestL = exact(bestA, bestB);
            bestE = 0;
          }
          l = MEMO_L[s] = exact(a, b);
          e = MEMO_E[s] = 0;
          if (!(l > bestL)) continue;
        }
      } else if (!(l > bestL)) continue;
      bestL = l;
      bestE = e;
      bestA = a;
      bestB = b;
      bestV = MEMO_V[s]!;
      if (improved < 0) improved = q;
      if (stopAtImprovement) break;
    }
    nSeq = 0;
    return improved;
  };
  // The coarse grid: every point (literal), or every `stride`-th α and β (warm mode).
  const step = start ? stride : 1;
  if (step === 1 && coarse) {
    const L = COARSE_L, V = COARSE_V;
    coarse.evaluate(r, from, to, vbar, blocked, L, V);
    for (let k = 0; k < GARCH_GRID.n; k++) {
      if (L[k]! > bestL) {
        bestL = L[k]!;
        bestA = GARCH_GRID.alpha[k]!;
        bestB = GARCH_GRID.beta[k]!;
        bestV = V[k]!;
      }
    }
  } else if (step > 0) {
    for (let i = 0; i <= 25; i += step) {
      const a = i * 0.02;
      for (let j = 0; j <= 49; j += step) {
        const b = j * 0.02;
        if (a + b < 0.999 && enqueue(a, b, false, 0)) take(false);
      }
    }
  }
  for (const st of start ?? []) if (enqueue(st.alpha, st.beta, true, 0)) take(false);
  take(false);
  // The walk's candidates depend on the best so far: the queue is filled from the current best
  // and, when one of its candidates improves, the rest are dropped and rebuilt from the new best.
  const nWalk = REFINE.length * REFINE.length;
  for (let w = 0; w < nWalk;) {
    let v = w;
    let full = false;
    while (!full && v < nWalk) {
      const a = Math.max(bestA + REFINE[(v / REFINE.length) | 0]!, 0);
      const b = Math.max(bestB + REFINE[v % REFINE.length]!, 0);
      if (a + b < 0.999) full = enqueue(a, b, true, v);
      v++;
    }
    const q = take(true);
    w = q >= 0 ? SEQ_STEP[q]! + 1 : v;
  }
  if (bestE !== 0) bestL = exact(bestA, bestB);
  if (!Number.isFinite(bestL) || !Number.isFinite(bestV) || !(bestV > 0)) return null;
  return { alpha: bestA, beta: bestB, logLik: bestL, variance: bestV };
}

const BATCH = new GarchBatch();
const TS_SCREEN = tsGarchScreen();
const batches = new Map<number, GarchBatch>([[4, BATCH]]);
function batchOf(width: number): GarchBatch {
  let b = batches.get(width);
  if (!b) batches.set(width, (b = new GarchBatch(width)));
  return b;
}
/** Memo slots of one fit (then 64 scratch slots), the queue and the lanes' slots. */
const MEMO_CAP = 512;
const MEMO_A = new Float64Array(MEMO_CAP + 64), MEMO_B = new Float64Array(MEMO_CAP + 64);
const MEMO_L = new Float64Array(MEMO_CAP + 64), MEMO_E = new Float64Array(MEMO_CAP + 64), MEMO_V = new Float64Array(MEMO_CAP + 64);
const SEQ_SLOT = new Int32Array(64), SEQ_STEP = new Int32Array(64), LANE_SLOT = new Int32Array(16);
const EXACT_OUT = new Float64Array(1);
const CACHE_A = new Float64Array(128), CACHE_B = new Float64Array(128), CACHE_L = new Float64Array(128);

/** The literal coarse grid's admissible points in the literal order (α = 0.02i outer, β = 0.02j inner). */
export const GARCH_GRID = (() => {
  const alpha: number[] = [], beta: number[] = [];
  for (let i = 0; i <= 25; i++) {
    for (let j = 0; j <= 49; j++) {
      if (i * 0.02 + j * 0.02 < 0.999) {
        alpha.push(i * 0.02);
        beta.push(j * 0.02);
      }
    }
  }
  return { alpha: Float64Array.from(alpha), beta: Float64Array.from(beta), n: alpha.length };
})();

/**
 * Evaluates the coarse grid: lOut[k], vOut[k] = ℓ and forecast of GARCH_GRID point k, or ℓ = −∞
 * for a point whose ℓ is proven below the grid's maximum (it could not have won).
 */
export interface CoarseGrid {
  evaluate(r: ArrayLike<number>, from: number, to: number, vbar: number, blocked: boolean, lOut: Float64Array, vOut: Float64Array): void;
}
const COARSE_L = new Float64Array(GARCH_GRID.n);
const COARSE_V = new Float64Array(GARCH_GRID.n);

/**
 * Minimum valid raw samples for GARCH. Appendix A.1 reports "n/a" for three samples spanning 11 s
 * although their 1 s grid has 12 returns, so the original gates on the sample count; 5 is the
 * documented minimum and is consistent with every A.1/A.4 value.
 */
export const GARCH_MIN_SAMPLES = 5;

/** The original's GARCH σ on raw (ts, price) samples: 1 s resampling, then `garchFit`. */
export function garchVolatility(ts: ArrayLike<number>, px: ArrayLike<number>, maxGapMs = Infinity): number | null {
  let valid = 0;
  for (let i = 0; i < px.length; i++) if (validPrice(px[i])) valid++;
  if (valid < GARCH_MIN_SAMPLES) return null;
  const g = resampleReturns(ts, px, 1000, maxGapMs);
  const fit = garchFit(g.ret, 0, g.length);
  return fit ? Math.sqrt(fit.variance) : null;
}

/**
 * Exponentially weighted realized variance per second: σ² = Σ wᵢ rᵢ² / Σ wᵢ dtᵢ with
 * wᵢ = 2^(−(now − tᵢ)/halfLife), tᵢ the time of the later price of return i. Pairs as in
 * `realizedVolatility`. Reduces to the realized estimator as halfLife → ∞; irregular sampling
 * and gaps are handled by dt in the denominator. Null with fewer than 2 returns.
 */
export function ewmaVolatility(ts: ArrayLike<number>, px: ArrayLike<number>, now: number, halfLifeSeconds: number, from = 0, to = ts.length): number | null {
  const k = Math.LN2 / (halfLifeSeconds * 1000);
  let num = 0;
  let den = 0;
  const n = forEachReturn(ts, px, from, to, (t, r, dt) => {
    const w = Math.exp(-k * (now - t));
    num += w * r * r;
    den += w * dt;
  });
  if (n < 2) return null;
  if (!(den > 0) || !(num > 0) || !Number.isFinite(num / den)) return 0;
  return Math.sqrt(num / den);
}
