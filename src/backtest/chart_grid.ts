/**
 * Equity samples for the report's charts, on a grid finer than the metrics grid.
 *
 * Sharpe, Sortino and drawdown are defined on `equity_sample_seconds` (60 s by default), which
 * gives a 20-minute run 20 chart points. The core samples on whatever grid its param block names,
 * so a streamed run asks it for a grid k times finer (step = sampleMs / k, whole milliseconds)
 * and splits the output chunk by chunk:
 *
 * - Every k-th fine sample is the sample the metrics grid would have taken. Same time: both grids
 *   are built by repeated addition from the first event's time, and `gridIsExact` only lets k > 1
 *   when that arithmetic is exact (so firstTs + jk·step = firstTs + j·sampleMs bit for bit); the
 *   splitter re-checks each kept time against the metrics grid's own running sum. Same state: a
 *   sample is taken before the first event at or after its time, and the sampling grid has no
 *   influence on the simulation. So the metrics see bit-identical input, plus the final sample
 *   after the close as before.
 * - The chart keeps an evenly strided subset of the fine samples, at most `maxPoints` (plus the
 *   final one): when the buffer is full, every other point is dropped and the stride doubles.
 *   Memory is bounded whatever the run's length.
 */
import { AppError } from "../errors.ts";
import { Q, type RunResult } from "../sim/layout.ts";

export type SampleCols = RunResult["samples"];

/** Most chart points kept (a run longer than this many fine steps keeps between half and all of it). */
export const CHART_MAX_POINTS = 3000;
/** Finest chart step: one point per second. */
export const CHART_MIN_STEP_MS = 1000;
/** Largest k searched: 100,000 one-second steps per metrics sample (27 h). */
const MAX_SUBDIVISION = 100_000;
/** How far past the first event the exactness proof must hold when the run's end is not known yet. */
const HORIZON_MS = 10 * 365 * 86_400_000;

/**
 * The largest k (≤ 100,000) such that sampleMs / k is a whole number of ms, at least `minStepMs`,
 * and at least span / (maxPoints − 2) (so a run of known span fits the chart without decimation).
 * 1 = no finer grid (a non-integer sampleMs, or a metrics grid already at the finest step).
 */
export function chartSubdivision(sampleMs: number, spanMs: number, maxPoints = CHART_MAX_POINTS, minStepMs = CHART_MIN_STEP_MS): number {
  if (!Number.isInteger(sampleMs) || !(sampleMs > 0)) return 1;
  const minStep = Math.max(minStepMs, Number.isFinite(spanMs) && spanMs > 0 ? spanMs / (maxPoints - 2) : 0);
  // the cap only bounds the search for absurd grids (a metrics grid of more than a day at 1 s steps)
  for (let k = Math.min(Math.floor(sampleMs / minStep), MAX_SUBDIVISION); k >= 2; k--) if (sampleMs % k === 0) return k;
  return 1;
}

/**
 * True when firstTs + step + step + … stays exact for `horizonMs` past firstTs: with firstTs a
 * multiple of 2^-p, a whole step and every value below 2^53 · 2^-p in magnitude, every partial sum
 * is representable, so repeated addition equals the exact multiple.
 */
export function gridIsExact(firstTs: number, stepMs: number, horizonMs: number): boolean {
  if (!Number.isFinite(firstTs) || !Number.isInteger(stepMs) || !(horizonMs >= 0)) return false;
  let scaled = firstTs, p = 0;
  while (!Number.isInteger(scaled) && p < 60) {
    scaled *= 2; // exact
    p++;
  }
  if (!Number.isInteger(scaled)) return false;
  return (Math.abs(firstTs) + horizonMs + stepMs) * 2 ** p < 2 ** 53;
}

/**
 * The subdivision for a streamed run, decided when its first chunk is in: `complete` = that chunk
 * holds all the data, so [firstTs, lastTs] is the run's span; otherwise it is a lower bound (the
 * chart is then decimated, see SampleSplitter).
 */
export function chartGrid(sampleMs: number, firstTs: number, lastTs: number, complete: boolean): number {
  const k = chartSubdivision(sampleMs, lastTs - firstTs);
  return k > 1 && gridIsExact(firstTs, sampleMs / k, complete ? lastTs - firstTs : HORIZON_MS) ? k : 1;
}

const KEYS = Object.keys(Q) as (keyof typeof Q)[];

/**
 * Splits the fine samples of a streamed run, chunk by chunk: `take` returns the metrics-grid ones
 * (what the result keeps) and feeds the bounded chart buffer; `chart()` returns the chart points.
 */
export class SampleSplitter {
  /** Global index of the next fine sample. */
  private i = 0;
  /** The metrics grid's next time, by the core's own arithmetic (running sum of sampleMs). */
  private nextMetricTs: number;
  private stride = 1;
  private n = 0;
  private readonly buf: Record<keyof typeof Q, Float64Array>;

  constructor(
    readonly k: number,
    private readonly sampleMs: number,
    firstTs: number,
    readonly maxPoints = CHART_MAX_POINTS,
  ) {
    this.nextMetricTs = firstTs;
    const buf = {} as Record<keyof typeof Q, Float64Array>;
    for (const key of KEYS) buf[key] = new Float64Array(maxPoints + 1); // + the final sample
    this.buf = buf;
  }

  /** One chunk's fine samples (or, with `final`, the sample after the close) → the metrics-grid samples among them. */
  take(s: SampleCols, final: boolean): SampleCols {
    const m = s.ts.length;
    if (final) {
      for (let j = 0; j < m; j++) this.push(s, j);
      return s;
    }
    const keep: number[] = [];
    for (let j = 0; j < m; j++, this.i++) {
      if (this.i % this.k === 0) {
        if (s.ts[j] !== this.nextMetricTs) {
          throw new AppError(`internal error: chart grid sample at ${s.ts[j]} is off the metrics grid (${this.nextMetricTs})`);
        }
        this.nextMetricTs += this.sampleMs;
        keep.push(j);
      }
      if (this.i % this.stride === 0) {
        if (this.n === this.maxPoints) this.halve();
        if (this.i % this.stride === 0) this.push(s, j);
      }
    }
    const out = {} as Record<keyof typeof Q, Float64Array>;
    for (const key of KEYS) {
      const col = new Float64Array(keep.length), src = s[key];
      for (let q = 0; q < keep.length; q++) col[q] = src[keep[q]!]!;
      out[key] = col;
    }
    return out as SampleCols;
  }

  /** Time between chart points (before the final one), in ms. */
  get chartStepMs(): number {
    return (this.sampleMs / this.k) * this.stride;
  }

  /** The chart points so far (copies). */
  chart(): SampleCols {
    const out = {} as Record<keyof typeof Q, Float64Array>;
    for (const key of KEYS) out[key] = this.buf[key].slice(0, this.n);
    return out as SampleCols;
  }

  private push(s: SampleCols, j: number): void {
    for (const key of KEYS) this.buf[key][this.n] = s[key][j]!;
    this.n++;
  }

  /** Keeps every other point (the kept ones are the multiples of the doubled stride). */
  private halve(): void {
    const h = Math.ceil(this.n / 2);
    for (const key of KEYS) {
      const b = this.buf[key];
      for (let q = 0; q < h; q++) b[q] = b[2 * q]!;
    }
    this.n = h;
    this.stride *= 2;
  }
}
