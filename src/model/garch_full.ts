/**
 * The full coarse grid of the full-history GARCH fit (`garch_full_history`, the original's
 * quadratic refit), skipping the points that provably cannot win.
 *
 * Every calibration the original evaluates all 975 grid points over every return since the start.
 * Between two calibrations a point's log-likelihood changes only through the new returns and the
 * variance target v̄ = mean(r²). With σ²ₜ = v̄·aₜ + bₜ (aₜ, bₜ ≥ 0 independent of v̄), a change
 * v̄₀ → v̄ = v̄₀(1 + ε) scales each σ²ₜ by λ between 1 and 1 + ε, so the prefix [0, n₀) evaluated
 * last time at ℓ₀, with Q₀ = Σ rₜ²/σ²ₜ, now has
 *   ℓ ≤ ℓ₀ + ½·ε/(1+ε)·Q₀ (ε ≥ 0),   ℓ ≤ ℓ₀ − ½·n₀·ln(1+ε) (ε < 0),
 * and each later return contributes at most −½(ln 2π + min over σ² ≥ ω of (ln σ² + r²/σ²)), ω the
 * floor v̄(1 − α − β) of every σ²ₜ. A point whose bound (plus a rounding margin) is below the ℓ of
 * the previous winners evaluated first cannot be the grid's maximum, so it is not evaluated; the
 * rest are, exactly, and the literal "first strictly greater" choice over them is the literal
 * grid's choice. Points are re-evaluated once their bound no longer excludes them.
 */
import { GarchBatch, garchLogLikBatch } from "./garch_batch.ts";
import { GARCH_GRID, type CoarseGrid } from "./volatility.ts";

const LN_2PI = 1.8378770664093453;
/** Evaluated first, for a high bar: the last winner and the best stored prefixes. */
const LEADERS = 4;

export class FullHistoryGrid implements CoarseGrid {
  /** Returns before this index are final (the last one is the resampler's provisional tail). */
  stableLength = 0;
  /** Grid points evaluated and skipped over all calls (for the bench). */
  evaluated = 0;
  skipped = 0;
  private readonly n = GARCH_GRID.n;
  /** Per point: prefix length (−1: never evaluated), its v̄, ℓ and Σ r²/σ². */
  private n0 = new Float64Array(GARCH_GRID.n).fill(-1);
  private v0 = new Float64Array(GARCH_GRID.n);
  private l0 = new Float64Array(GARCH_GRID.n);
  private q0 = new Float64Array(GARCH_GRID.n);
  private winner = -1;
  private batch = new GarchBatch();
  private lanes = [0, 0, 0, 0];
  private lnx = new Float64Array(1024);

  evaluate(r: ArrayLike<number>, from: number, to: number, vbar: number, blocked: boolean, lOut: Float64Array, vOut: Float64Array): void {
    lOut.fill(-Infinity);
    const done = new Uint8Array(this.n);
    const split = from === 0 && blocked ? Math.min(Math.max(this.stableLength, 0), to) : -1;
    const g = this.batch;
    const flush = () => {
      if (g.m === 0) return;
      garchLogLikBatch(r, from, to, vbar, g, blocked, split);
      for (let k = 0; k < g.m; k++) {
        const p = this.lanes[k]!;
        lOut[p] = g.logLik[k]!;
        vOut[p] = g.variance[k]!;
        done[p] = 1;
        this.evaluated++;
        if (split >= 0 && Number.isFinite(g.splitLogLik[k])) {
          this.n0[p] = split;
          this.v0[p] = vbar;
          this.l0[p] = g.splitLogLik[k]!;
          this.q0[p] = g.splitQ[k]!;
        } else this.n0[p] = -1;
      }
      g.m = 0;
    };
    const queue = (p: number) => {
      this.lanes[g.m] = p;
      g.alpha[g.m] = GARCH_GRID.alpha[p]!;
      g.beta[g.m] = GARCH_GRID.beta[p]!;
      if (++g.m === 4) flush();
    };
    // the leaders: the last winner and the points with the highest stored prefix ℓ
    const leaders = this.leaders();
    for (const p of leaders) queue(p);
    flush();
    let bar = -Infinity;
    for (const p of leaders) bar = Math.max(bar, lOut[p]!);
    // σ²₁ = max(v̄, 1e-12) is v̄·a₁ + b₁ only above the floor
    const canSkip = split >= 0 && Number.isFinite(bar) && vbar > 1e-12;
    if (canSkip) this.prepareLogs(r, to);
    for (let p = 0; p < this.n; p++) {
      if (done[p]) continue;
      if (canSkip && this.n0[p]! >= 0 && this.v0[p]! > 1e-12 && this.upperBound(p, r, to, vbar) < bar) {
        this.skipped++;
        continue;
      }
      queue(p);
    }
    flush();
    // the literal choice (first strictly greater) over what was evaluated
    let best = -1;
    for (let p = 0; p < this.n; p++) if (best < 0 ? lOut[p]! > -Infinity : lOut[p]! > lOut[best]!) best = p;
    this.winner = best;
  }

  private leaders(): number[] {
    const out: number[] = [];
    if (this.winner >= 0) out.push(this.winner);
    const order = Array.from({ length: this.n }, (_, p) => p).filter((p) => this.n0[p]! >= 0 && p !== this.winner);
    order.sort((a, b) => this.l0[b]! - this.l0[a]!);
    for (const p of order) {
      if (out.length >= LEADERS) break;
      out.push(p);
    }
    for (let p = 0; out.length < LEADERS && p < this.n; p++) if (!out.includes(p)) out.push(p);
    return out;
  }

  /** ln rₜ² for the returns a bound may need (those after the oldest stored prefix). */
  private lnStart = 0;
  private prepareLogs(r: ArrayLike<number>, to: number): void {
    let start = to;
    for (let p = 0; p < this.n; p++) if (this.n0[p]! >= 0) start = Math.min(start, this.n0[p]!);
    if (this.lnx.length < to - start) this.lnx = new Float64Array(Math.max(to - start, 2 * this.lnx.length));
    for (let t = start; t < to; t++) this.lnx[t - start] = Math.log(r[t]! * r[t]!);
    this.lnStart = start;
  }

  /** Upper bound of point p's ℓ over [0, to) at v̄, from its stored prefix; includes a rounding margin. */
  private upperBound(p: number, r: ArrayLike<number>, to: number, vbar: number): number {
    const n0 = this.n0[p]!, l0 = this.l0[p]!;
    const eps = vbar / this.v0[p]! - 1;
    let ub = l0 + (eps >= 0 ? 0.5 * (eps / (1 + eps)) * this.q0[p]! : -0.5 * n0 * Math.log1p(eps));
    const omega = vbar * (1 - GARCH_GRID.alpha[p]! - GARCH_GRID.beta[p]!);
    const lnOmega = Math.log(omega);
    let h = 0;
    for (let t = n0; t < to; t++) {
      const x = r[t]! * r[t]!;
      h += x >= omega ? 1 + this.lnx[t - this.lnStart]! : lnOmega + x / omega;
    }
    ub += -0.5 * ((to - n0) * LN_2PI + h);
    // the ℓ compared are sums of ~n terms in doubles: allow far more than their rounding
    return ub + 1e-9 * (Math.abs(l0) + to) + 1e-6;
  }
}
