/**
 * The deferred GARCH fits of a run (model/engine.ts `GarchJobs`) as a log: the 1 s grid returns
 * they read, numbered as the engine numbers them, and one record per fit (window start, length,
 * final returns, provisional tail). Consecutive windows overlap almost entirely, so the log stores
 * each return once; the main thread keeps it to send and, if the worker fails, to replay it here
 * (garch_offload.ts); the worker keeps only what later windows can still read.
 */
import type { GarchJobs } from "../model/engine.ts";
import type { GarchChain } from "../model/garch_chain.ts";

/** Per job: first, len, stable, tail (NaN: none). */
export const JOB_WIDTH = 4;
/** Per fit: α, β, ℓ, forecast variance (NaN row: no fit). */
export const FIT_WIDTH = 4;

export class GarchJobLog implements GarchJobs {
  /** Returns numbered [start, start + count). */
  values: Float64Array = new Float64Array(1 << 14);
  start = 0;
  count = 0;
  jobs: Float64Array = new Float64Array(JOB_WIDTH * 256);
  nJobs = 0;
  private scratch: Float64Array = new Float64Array(4096);

  submit(r: Float64Array, len: number, stable: number, first: number): void {
    if (this.count === 0 && this.nJobs === 0) this.start = first;
    // the window's final returns not stored yet; numbers skipped since the last window (a gap no
    // later window can reach back to) are kept as NaN so the numbering stays contiguous
    const end = first + stable;
    for (let g = this.start + this.count; g < end; g++) this.pushValue(g >= first ? r[g - first]! : NaN);
    if (this.jobs.length < JOB_WIDTH * (this.nJobs + 1)) this.jobs = grown(this.jobs, JOB_WIDTH * (this.nJobs + 1));
    this.jobs.set([first, len, stable, len > stable ? r[stable]! : NaN], JOB_WIDTH * this.nJobs++);
  }

  /** Appends returns numbered from `start` (contiguous with those held, or the first). */
  append(start: number, vals: Float64Array): void {
    if (this.count === 0) this.start = start;
    else if (start !== this.start + this.count) throw new Error(`internal: GARCH returns ${start} after ${this.start + this.count}`);
    for (let i = 0; i < vals.length; i++) this.pushValue(vals[i]!);
  }

  /** Appends job records (JOB_WIDTH numbers each). */
  appendJobs(recs: Float64Array): void {
    const n = recs.length / JOB_WIDTH;
    if (this.jobs.length < JOB_WIDTH * (this.nJobs + n)) this.jobs = grown(this.jobs, JOB_WIDTH * (this.nJobs + n));
    this.jobs.set(recs, JOB_WIDTH * this.nJobs);
    this.nJobs += n;
  }

  /** Drops the returns numbered below g (no later window starts before it). */
  forget(g: number): void {
    const drop = Math.min(Math.max(g - this.start, 0), this.count);
    if (drop === 0) return;
    this.values.copyWithin(0, drop, this.count);
    this.start += drop;
    this.count -= drop;
  }

  /** Runs jobs [from, to) on `chain` (in order, after every earlier job), writing FIT_WIDTH numbers per job to out from 0. */
  run(chain: GarchChain, from: number, to: number, out: Float64Array): void {
    for (let j = from; j < to; j++) {
      const o = JOB_WIDTH * j, first = this.jobs[o]!, len = this.jobs[o + 1]!, stable = this.jobs[o + 2]!;
      if (this.scratch.length < len) this.scratch = new Float64Array(Math.max(len, 2 * this.scratch.length));
      const r = this.scratch;
      r.set(this.values.subarray(first - this.start, first - this.start + stable));
      if (len > stable) r[stable] = this.jobs[o + 3]!;
      const fit = chain.fit(r, len, stable);
      out.set(fit ? [fit.alpha, fit.beta, fit.logLik, fit.variance] : [NaN, NaN, NaN, NaN], FIT_WIDTH * (j - from));
    }
  }

  private pushValue(x: number): void {
    if (this.count === this.values.length) this.values = grown(this.values, this.count + 1);
    this.values[this.count++] = x;
  }
}

function grown(a: Float64Array, need: number): Float64Array {
  const b = new Float64Array(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}
