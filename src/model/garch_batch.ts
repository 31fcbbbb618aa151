/**
 * GARCH(1,1) log-likelihoods of up to four (α, β) candidates in one pass over the returns.
 *
 * A single candidate's loop is latency-bound: σ²ₜ₊₁ = ω + α rₜ² + β σ²ₜ chains a multiply and an
 * add per step, so the divider and the other units idle. Four independent recursions interleaved
 * in one loop keep them busy (≈ 2× the throughput on this machine), and each lane performs exactly
 * the operations, in exactly the order, of the single-candidate functions in volatility.ts — so
 * every lane's ℓ and forecast are bit-identical to them (test/model/garch_batch.test.ts).
 *
 * Lanes beyond `m`, and inadmissible candidates (α < 0, β < 0, α + β ≥ 0.999, ω ≤ 0), report
 * ℓ = −∞ like the single functions.
 */

const LN_2PI = 1.8378770664093453;

/** Candidate parameters (in) and results (out) of one batch; reused across calls. */
export class GarchBatch {
  readonly alpha: Float64Array;
  readonly beta: Float64Array;
  /** Log-likelihood per lane (−∞ when inadmissible or unused). */
  readonly logLik: Float64Array;
  /** One-step variance forecast σ²ₙ₊₁ per lane. */
  readonly variance: Float64Array;
  /** Blocked mode: Σ rₜ²/σ²ₜ per lane over the whole range. */
  readonly sumQ: Float64Array;
  /** Blocked mode with a `split`: ℓ and Σ rₜ²/σ²ₜ over [from, split) (the prefix a later bound starts from). */
  readonly splitLogLik: Float64Array;
  readonly splitQ: Float64Array;
  /** `garchLogLikScreen`: a bound on |ℓ − the blocked ℓ| per lane (+∞ when the lane could not be screened). */
  readonly bound: Float64Array;
  /** Lanes in use (1..width). */
  m = 0;

  /** `width` lanes: 4 for the TypeScript passes, a screen's `lanes` for it. */
  constructor(readonly width = 4) {
    const f = () => new Float64Array(width);
    this.alpha = f();
    this.beta = f();
    this.logLik = f();
    this.variance = f();
    this.sumQ = f();
    this.splitLogLik = f();
    this.splitQ = f();
    this.bound = f();
  }
}

/**
 * A screening pass (`garchLogLikScreen`'s contract: exact forecast and Σ rₜ²/σ²ₜ, ℓ within
 * `bound` of the blocked ℓ) over the returns last loaded, for up to `lanes` candidates at once.
 * `tsGarchScreen` is the TypeScript one; the WASM core provides a wider one (src/core/garch_screen.ts).
 */
export interface GarchScreen {
  readonly lanes: number;
  /** The returns r[from, to) of the fit about to be screened (kept until the next load). */
  load(r: ArrayLike<number>, from: number, to: number): void;
  run(vbar: number, g: GarchBatch, xmax: number): void;
}

/** `garchLogLikScreen` as a GarchScreen (four lanes). */
export function tsGarchScreen(): GarchScreen {
  let rr: ArrayLike<number> = [], f = 0, t = 0;
  return {
    lanes: 4,
    load(r, from, to) {
      rr = r;
      f = from;
      t = to;
    },
    run: (vbar, g, xmax) => garchLogLikScreen(rr, f, t, vbar, g, xmax),
  };
}

const OK = [false, false, false, false, false, false, false, false];
const admissible = (vbar: number, a: number, b: number) => !(a < 0 || b < 0 || a + b >= 0.999) && vbar * (1 - a - b) > 0;
/** α of every lane, then β, then ω (width each) of the lanes being evaluated. */
const LANES = new Float64Array(24);

/**
 * Sets OK (admissible lanes) and LANES; inadmissible or unused lanes run on a harmless copy of the
 * first admissible lane's parameters and are reset after. False (every ℓ −∞, bound 0) when no
 * lane is admissible.
 */
function laneParams(vbar: number, g: GarchBatch): boolean {
  const A = g.alpha, B = g.beta, ok = OK, P = LANES, w = g.width;
  let first = -1;
  for (let k = 0; k < w; k++) {
    ok[k] = k < g.m && admissible(vbar, A[k]!, B[k]!);
    if (ok[k] && first < 0) first = k;
  }
  if (first < 0) {
    g.logLik.fill(-Infinity);
    g.bound.fill(0);
    return false;
  }
  for (let k = 0; k < w; k++) {
    const j = ok[k] ? k : first;
    P[k] = A[j]!;
    P[w + k] = B[j]!;
    P[2 * w + k] = vbar * (1 - P[k]! - P[w + k]!);
  }
  return true;
}

/**
 * For a screen other than the TypeScript one: the lanes' α, β, ω (width each; views into a
 * shared scratch, copy before the next call), or null when no lane is admissible (the batch's
 * ℓ are then already −∞).
 */
export function screenLaneParams(vbar: number, g: GarchBatch): Float64Array | null {
  return laneParams(vbar, g) ? LANES.subarray(0, 3 * g.width) : null;
}

/**
 * Fills `g.logLik`/`g.variance` for lanes 0..g.m−1 over r[from, to). `blocked`: Σ ln σ²ₜ as logs of
 * 8-step products (`garchLogLikBlocked`); otherwise one log per step (`garchLogLik`).
 */
export function garchLogLikBatch(r: ArrayLike<number>, from: number, to: number, vbar: number, g: GarchBatch, blocked: boolean, split = -1): void {
  if (!laneParams(vbar, g)) return;
  const ok = OK, P = LANES;
  const a0 = P[0]!, a1 = P[1]!, a2 = P[2]!, a3 = P[3]!, b0 = P[4]!, b1 = P[5]!, b2 = P[6]!, b3 = P[7]!;
  const w0 = P[8]!, w1 = P[9]!, w2 = P[10]!, w3 = P[11]!;
  const init = Math.max(vbar, 1e-12);
  let s0 = init, s1 = init, s2 = init, s3 = init;
  const L = g.logLik, V = g.variance;
  if (blocked) {
    let q0 = 0, q1 = 0, q2 = 0, q3 = 0, l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    let p0 = 1, p1 = 1, p2 = 1, p3 = 1;
    let k = 0;
    const SL = g.splitLogLik, SQ = g.splitQ;
    for (let i = from; i < to; i++) {
      if (i === split) {
        const c = (split - from) * LN_2PI;
        SL[0] = -0.5 * (c + l0 + Math.log(p0) + q0); SL[1] = -0.5 * (c + l1 + Math.log(p1) + q1);
        SL[2] = -0.5 * (c + l2 + Math.log(p2) + q2); SL[3] = -0.5 * (c + l3 + Math.log(p3) + q3);
        SQ[0] = q0; SQ[1] = q1; SQ[2] = q2; SQ[3] = q3;
      }
      const x = r[i]! * r[i]!;
      p0 *= s0; p1 *= s1; p2 *= s2; p3 *= s3;
      q0 += x / s0; q1 += x / s1; q2 += x / s2; q3 += x / s3;
      if (++k === 8) {
        l0 += Math.log(p0); l1 += Math.log(p1); l2 += Math.log(p2); l3 += Math.log(p3);
        p0 = p1 = p2 = p3 = 1;
        k = 0;
      }
      s0 = w0 + a0 * x + b0 * s0; s1 = w1 + a1 * x + b1 * s1; s2 = w2 + a2 * x + b2 * s2; s3 = w3 + a3 * x + b3 * s3;
    }
    l0 += Math.log(p0); l1 += Math.log(p1); l2 += Math.log(p2); l3 += Math.log(p3);
    const c = (to - from) * LN_2PI;
    L[0] = -0.5 * (c + l0 + q0); L[1] = -0.5 * (c + l1 + q1); L[2] = -0.5 * (c + l2 + q2); L[3] = -0.5 * (c + l3 + q3);
    const Q = g.sumQ;
    Q[0] = q0; Q[1] = q1; Q[2] = q2; Q[3] = q3;
    if (split === to) {
      g.splitLogLik.set(L);
      g.splitQ.set(Q);
    }
  } else {
    let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    for (let i = from; i < to; i++) {
      const x = r[i]! * r[i]!;
      l0 += -0.5 * (LN_2PI + Math.log(s0) + x / s0);
      l1 += -0.5 * (LN_2PI + Math.log(s1) + x / s1);
      l2 += -0.5 * (LN_2PI + Math.log(s2) + x / s2);
      l3 += -0.5 * (LN_2PI + Math.log(s3) + x / s3);
      s0 = w0 + a0 * x + b0 * s0; s1 = w1 + a1 * x + b1 * s1; s2 = w2 + a2 * x + b2 * s2; s3 = w3 + a3 * x + b3 * s3;
    }
    L[0] = l0; L[1] = l1; L[2] = l2; L[3] = l3;
  }
  V[0] = s0; V[1] = s1; V[2] = s2; V[3] = s3;
  for (let k = 0; k < 4; k++) if (!ok[k]) L[k] = -Infinity;
}

const U = 2 ** -53;
/** Steps per logarithm in the screening pass: products of σ²ₜ/v̄ ∈ [0.001, 25·n] stay finite for windows up to ~10⁵ returns. */
export const SCREEN_BLOCK = 64;

/**
 * A cheaper ℓ for ranking candidates (the blocked mode only): the same σ² recursion and the same
 * Σ rₜ²/σ²ₜ (bit-identical: the divisions, the pass's bottleneck, are the same operations in the
 * same order), but Σ ln σ²ₜ as n·ln v̄ + logs of 64-step products of σ²ₜ/v̄ — one logarithm per 64
 * steps instead of 8 (≈ 25 % less time). `g.bound[k]` bounds |ℓ_screen − ℓ_blocked| rigorously, so
 * a caller can decide "strictly greater than" exactly whenever two intervals do not overlap and
 * fall back to `garchLogLikBlocked` when they do (volatility.ts `garchFit`). `g.variance` is the
 * exact forecast. `xmax` = max rₜ² over [from, to) (bounds every σ²ₜ, hence every |ln σ²ₜ|).
 *
 * The bound: both Λ = Σ ln σ²ₜ differ from the exact sum by at most the rounding of each block
 * product (k steps, each scaled by 1/v̄: ≤ (2k+4)u relative, i.e. absolute in the log), of each logarithm (≤ 1 ulp
 * = 2u·|block log|) and of the running sum ((blocks)·u·Σ|block logs| ≤ blocks·u·n·Lmax), with
 * Lmax ≥ |ln σ²ₜ| from σ²ₜ ∈ [min(σ²₁, ω), max(σ²₁, (ω + α·xmax)/(1 − β))] (inflated by 4u per
 * step); the screen's n·ln v̄ and σ²ₜ/v̄ add n·(3u·|ln v̄| + u); the final −½(c + Λ + Q) adds 3u of
 * each magnitude. The sum is doubled for safety; an overflowed product leaves the lane unscreened.
 */
export function garchLogLikScreen(r: ArrayLike<number>, from: number, to: number, vbar: number, g: GarchBatch, xmax: number): void {
  if (!laneParams(vbar, g)) return;
  const P = LANES;
  const a0 = P[0]!, a1 = P[1]!, a2 = P[2]!, a3 = P[3]!, b0 = P[4]!, b1 = P[5]!, b2 = P[6]!, b3 = P[7]!;
  const w0 = P[8]!, w1 = P[9]!, w2 = P[10]!, w3 = P[11]!;
  const init = Math.max(vbar, 1e-12);
  const iv = 1 / vbar;
  let s0 = init, s1 = init, s2 = init, s3 = init;
  let q0 = 0, q1 = 0, q2 = 0, q3 = 0, l0 = 0, l1 = 0, l2 = 0, l3 = 0;
  let p0 = 1, p1 = 1, p2 = 1, p3 = 1;
  let k = 0;
  for (let i = from; i < to; i++) {
    const x = r[i]! * r[i]!;
    p0 *= s0 * iv; p1 *= s1 * iv; p2 *= s2 * iv; p3 *= s3 * iv;
    q0 += x / s0; q1 += x / s1; q2 += x / s2; q3 += x / s3;
    if (++k === SCREEN_BLOCK) {
      l0 += Math.log(p0); l1 += Math.log(p1); l2 += Math.log(p2); l3 += Math.log(p3);
      p0 = p1 = p2 = p3 = 1;
      k = 0;
    }
    s0 = w0 + a0 * x + b0 * s0; s1 = w1 + a1 * x + b1 * s1; s2 = w2 + a2 * x + b2 * s2; s3 = w3 + a3 * x + b3 * s3;
  }
  const Ls = LSUM, Qs = QSUM, Vs = VFIN;
  Ls[0] = l0 + Math.log(p0); Ls[1] = l1 + Math.log(p1); Ls[2] = l2 + Math.log(p2); Ls[3] = l3 + Math.log(p3);
  Qs[0] = q0; Qs[1] = q1; Qs[2] = q2; Qs[3] = q3;
  Vs[0] = s0; Vs[1] = s1; Vs[2] = s2; Vs[3] = s3;
  finishScreen(g, to - from, vbar, xmax, Ls, Qs, Vs);
}

const LSUM = new Float64Array(8), QSUM = new Float64Array(8), VFIN = new Float64Array(8);

/**
 * The screen's ℓ, Σ rₜ²/σ²ₜ, forecast and bound per lane from a pass's per-lane results: `lsum` =
 * Σ ln of the 64-step products of σ²ₜ/v̄ (the last one partial), `q` = Σ rₜ²/σ²ₜ, `s` = σ²ₙ₊₁, over
 * n returns. Lanes must have been set up by `laneParams` / `screenLaneParams` for this batch.
 */
export function finishScreen(g: GarchBatch, n: number, vbar: number, xmax: number, lsum: ArrayLike<number>, q: ArrayLike<number>, s: ArrayLike<number>): void {
  const ok = OK, A = g.alpha, B = g.beta;
  const init = Math.max(vbar, 1e-12);
  const nLogV = n * Math.log(vbar);
  const c = n * LN_2PI;
  const L = g.logLik, V = g.variance, E = g.bound, Q = g.sumQ;
  const blocks = Math.ceil(n / 8) + Math.ceil(n / SCREEN_BLOCK) + 2;
  const lnV = Math.abs(Math.log(vbar));
  for (let j = 0; j < g.width; j++) {
    L[j] = -0.5 * (c + (lsum[j]! + nLogV) + q[j]!);
    Q[j] = q[j]!;
    V[j] = s[j]!;
    if (!ok[j]) {
      L[j] = -Infinity;
      E[j] = 0;
      continue;
    }
    if (!Number.isFinite(L[j]!)) {
      E[j] = Infinity;
      continue;
    }
    const a = A[j]!, b = B[j]!, w = vbar * (1 - a - b), infl = 1 + 4 * U * (n + 2);
    const lo = Math.min(init, w) / infl;
    const hi = Math.max(init, (w + a * xmax) / (1 - b * infl)) * infl;
    const lmax = Math.max(Math.abs(Math.log(lo)), Math.abs(Math.log(hi))) + lnV + 1;
    const lam = Math.abs(-2 * L[j]! - c - Q[j]!);
    E[j] = 2 * U * (blocks * (2 * SCREEN_BLOCK + 4) + (blocks + 2) * n * lmax + n * (3 * lnV + 1) + 3 * (c + lam + Q[j]! + Math.abs(L[j]!)));
  }
}
