/**
 * Runs the rolling calibration engine (src/model/engine.ts) over the event data in the event order
 * of storage/events.ts (a trade before a book row of the same millisecond) with the loop's mid, and records what the loop needs at each recalibration. Pure
 * market data in, schedule out: no trading state is involved, so one schedule serves every run
 * that shares the calibration settings (γ, T, fill model… can vary freely).
 */
import { wasmGarchScreen } from "../core/garch_screen.ts";
import { CalibrationEngine, garchChainOptions, settleSigma, type EngineOptions } from "../model/engine.ts";
import { exactMid } from "../model/exact_price.ts";
import { kappaAtSearchBound } from "../model/intensity.ts";
import { forEachMerged } from "../storage/events.ts";
import type { EventData } from "../sim/data.ts";
import { allocSchedule, truncateSchedule, type Schedule } from "../sim/schedule.ts";
import { FIT_WIDTH } from "./garch_jobs.ts";
import { GarchOffload } from "./garch_offload.ts";

export interface CalibratedSchedule extends Schedule {
  /** σ before the volatility clamp (the original's CSV column). */
  sigmaRaw: Float64Array;
}

/**
 * Feeds chunks of event data, in time order, to one engine. Each `feed` returns the
 * recalibrations that landed on the chunk's book rows (indices relative to the chunk); the engine
 * and the last mid carry over, so feeding the time-ordered chunks of a stream gives the same
 * schedule as feeding the whole stream at once.
 */
export class ScheduleBuilder {
  private readonly eng: CalibrationEngine;
  private readonly opts: EngineOptions;
  /** GARCH fits on a worker (`parallel`), settled in feedAsync. */
  private readonly offload: GarchOffload | null;
  /** Raw σ of the last settled calibration (the "kept" fallback of the next). */
  private prevRaw: number | null = null;
  private lastMid = 0;
  /** Calibrations (over all chunks) in which neither side's κ/A was fitted, kept or copied. */
  unfitted = 0;
  /** Calibrations in which a fitted κ sits at its search bound (not identified by the trades). */
  atBound = 0;

  /**
   * `parallel`: the GARCH fits run on a worker thread while this thread ingests events and fits
   * the intensities (same schedules; use `feedAsync`). Otherwise everything runs here (`feed`).
   * `workerEntry`: the worker's entry point under src/ (tests name a missing one).
   */
  constructor(opts: EngineOptions, { parallel = false, workerEntry }: { parallel?: boolean; workerEntry?: string } = {}) {
    this.opts = opts;
    this.offload = parallel && opts.volatilityModel === "garch" ? new GarchOffload(garchChainOptions(opts), workerEntry) : null;
    this.eng = new CalibrationEngine(opts, this.offload ? { garchJobs: this.offload } : { garchScreen: wasmGarchScreen() });
  }

  feed(d: EventData, onProgress?: (done: number, total: number) => void): CalibratedSchedule {
    if (this.offload) throw new Error("internal: a parallel ScheduleBuilder is fed with feedAsync");
    return this.ingest(d, onProgress).s;
  }

  /** `feed` for either mode: with `parallel`, waits for the chunk's GARCH fits and settles σ. */
  async feedAsync(d: EventData, onProgress?: (done: number, total: number) => void): Promise<CalibratedSchedule> {
    const { s, jobAt, realized } = this.ingest(d, onProgress);
    if (!this.offload) return s;
    const fits = await this.offload.collect();
    for (let k = 0, j = 0; k < s.n; k++) {
      const v = jobAt[k] ? fits[FIT_WIDTH * j++ + 3]! : NaN;
      const model = Number.isNaN(v) ? null : Math.sqrt(v);
      const st = settleSigma(model, "garch", model === null && !Number.isNaN(realized[k]!) ? realized[k]! : null, this.prevRaw, this.opts);
      s.sigma[k] = st.sigma;
      s.sigmaRaw[k] = st.sigmaRaw;
      this.prevRaw = st.sigmaRaw;
    }
    return s;
  }

  /** Why the GARCH worker is not used (it could not start or failed; the fits are then made here), or null. */
  get workerFailure(): string | null {
    return this.offload?.failure ?? null;
  }

  /** Ends the worker, if any. */
  close(): void {
    this.offload?.close();
  }

  /**
   * One chunk through the engine. With the offload, σ is provisional: per calibration, whether a
   * GARCH fit was handed over (jobAt) and the realized σ the engine found (NaN: none).
   */
  private ingest(d: EventData, onProgress?: (done: number, total: number) => void): { s: CalibratedSchedule; jobAt: Uint8Array; realized: Float64Array } {
    const eng = this.eng, off = this.offload;
    const guess = Math.max(16, Math.ceil(d.nBooks / 8));
    let s = allocSchedule(guess);
    let raw: Float64Array = new Float64Array(guess);
    let jobAt = new Uint8Array(off ? guess : 0);
    let n = 0;
    let lastMid = this.lastMid;
    const step = Math.max(1, Math.floor(d.nBooks / 100));
    // trades after the chunk's last book row still belong to the engine's history
    forEachMerged(d.bookTs, d.nBooks, d.tradeTs, d.nTrades, (i) => {
      const ts = d.bookTs[i]!;
      const bb = d.bestBid[i]!, ba = d.bestAsk[i]!;
      const mid = bb > 0 && ba > 0 ? exactMid(bb, ba) : lastMid;
      lastMid = mid;
      eng.onBook(ts, mid, bb, ba, d.farBid[i]!, d.farAsk[i]!);
      if (eng.shouldRecalibrate(ts)) {
        const jobs0 = off ? off.submitted : 0;
        const c = eng.calibrate(ts);
        if (c.bidSource === "default" && c.askSource === "default") this.unfitted++;
        if ((c.bidSource === "fitted" && kappaAtSearchBound(c.kappaBid)) || (c.askSource === "fitted" && kappaAtSearchBound(c.kappaAsk))) this.atBound++;
        if (n === s.n) {
          const bigger = allocSchedule(s.n * 2);
          for (const k of ["bookIndex", "ts", "sigma", "kappaBid", "kappaAsk", "aBid", "aAsk"] as const) bigger[k].set(s[k] as never);
          s = bigger;
          raw = grownF64(raw, s.n);
          if (off) {
            const j2 = new Uint8Array(s.n);
            j2.set(jobAt);
            jobAt = j2;
          }
        }
        s.bookIndex[n] = i;
        s.ts[n] = ts;
        s.sigma[n] = c.sigma;
        s.kappaBid[n] = c.kappaBid;
        s.kappaAsk[n] = c.kappaAsk;
        s.aBid[n] = c.aBid;
        s.aAsk[n] = c.aAsk;
        // with the offload: the realized σ, or NaN when the engine found none
        raw[n] = off && c.sigmaSource !== "realized" ? NaN : c.sigmaRaw;
        if (off) jobAt[n] = off.submitted > jobs0 ? 1 : 0;
        n++;
      }
      if (onProgress && i % step === 0) onProgress(i, d.nBooks);
    }, (j) => eng.onTrade(d.tradeTs[j]!, d.tradePx[j]!, d.tradeSide[j]!));
    this.lastMid = lastMid;
    const sched = { ...truncateSchedule(s, n), sigmaRaw: raw.subarray(0, n) };
    return { s: sched, jobAt: jobAt.subarray(0, n), realized: off ? raw.slice(0, n) : raw };
  }
}

export function buildSchedule(d: EventData, opts: EngineOptions, onProgress?: (done: number, total: number) => void): CalibratedSchedule {
  return new ScheduleBuilder(opts).feed(d, onProgress);
}

/** `buildSchedule` with the GARCH fits on a worker thread (ScheduleBuilder `parallel`): the same schedule. */
export async function buildScheduleParallel(d: EventData, opts: EngineOptions, onProgress?: (done: number, total: number) => void): Promise<CalibratedSchedule> {
  const b = new ScheduleBuilder(opts, { parallel: true });
  try {
    return await b.feedAsync(d, onProgress);
  } finally {
    b.close();
  }
}

function grownF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** Concatenates chunk schedules, shifting each chunk's book indices by the rows before it. */
export function concatSchedules(parts: { s: CalibratedSchedule; bookOffset: number }[]): CalibratedSchedule {
  const n = parts.reduce((a, p) => a + p.s.n, 0);
  const out = { ...allocSchedule(n), sigmaRaw: new Float64Array(n) };
  let k = 0;
  for (const { s, bookOffset } of parts) {
    for (let i = 0; i < s.n; i++, k++) {
      out.bookIndex[k] = s.bookIndex[i]! + bookOffset;
      out.ts[k] = s.ts[i]!;
      out.sigma[k] = s.sigma[i]!;
      out.kappaBid[k] = s.kappaBid[i]!;
      out.kappaAsk[k] = s.kappaAsk[i]!;
      out.aBid[k] = s.aBid[i]!;
      out.aAsk[k] = s.aAsk[i]!;
      out.sigmaRaw[k] = s.sigmaRaw[i]!;
    }
  }
  return out;
}
