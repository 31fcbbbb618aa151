/**
 * Runs the rolling calibration engine (src/model/engine.ts) over the event data in the event order
 * of storage/events.ts (a trade before a book row of the same millisecond) with the loop's mid, and records what the loop needs at each recalibration. Pure
 * market data in, schedule out: no trading state is involved, so one schedule serves every run
 * that shares the calibration settings (γ, T, fill model… can vary freely).
 */
import { wasmGarchScreen } from "../core/garch_screen.ts";
import { CalibrationEngine, type EngineOptions } from "../model/engine.ts";
import { exactMid } from "../model/exact_price.ts";
import { kappaAtSearchBound } from "../model/intensity.ts";
import { forEachMerged } from "../storage/events.ts";
import type { EventData } from "../sim/data.ts";
import { allocSchedule, truncateSchedule, type Schedule } from "../sim/schedule.ts";

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
  private lastMid = 0;
  /** Calibrations (over all chunks) in which neither side's κ/A was fitted, kept or copied. */
  unfitted = 0;
  /** Calibrations in which a fitted κ sits at its search bound (not identified by the trades). */
  atBound = 0;

  constructor(opts: EngineOptions) {
    this.eng = new CalibrationEngine(opts, { garchScreen: wasmGarchScreen() });
  }

  feed(d: EventData, onProgress?: (done: number, total: number) => void): CalibratedSchedule {
    const eng = this.eng;
    const guess = Math.max(16, Math.ceil(d.nBooks / 8));
    let s = allocSchedule(guess);
    let raw = new Float64Array(guess);
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
        const c = eng.calibrate(ts);
        if (c.bidSource === "default" && c.askSource === "default") this.unfitted++;
        if ((c.bidSource === "fitted" && kappaAtSearchBound(c.kappaBid)) || (c.askSource === "fitted" && kappaAtSearchBound(c.kappaAsk))) this.atBound++;
        if (n === s.n) {
          const bigger = allocSchedule(s.n * 2);
          for (const k of ["bookIndex", "ts", "sigma", "kappaBid", "kappaAsk", "aBid", "aAsk"] as const) bigger[k].set(s[k] as never);
          s = bigger;
          const r2 = new Float64Array(s.n);
          r2.set(raw);
          raw = r2;
        }
        s.bookIndex[n] = i;
        s.ts[n] = ts;
        s.sigma[n] = c.sigma;
        s.kappaBid[n] = c.kappaBid;
        s.kappaAsk[n] = c.kappaAsk;
        s.aBid[n] = c.aBid;
        s.aAsk[n] = c.aAsk;
        raw[n] = c.sigmaRaw;
        n++;
      }
      if (onProgress && i % step === 0) onProgress(i, d.nBooks);
    }, (j) => eng.onTrade(d.tradeTs[j]!, d.tradePx[j]!, d.tradeSide[j]!));
    this.lastMid = lastMid;
    return { ...truncateSchedule(s, n), sigmaRaw: raw.subarray(0, n) };
  }
}

export function buildSchedule(d: EventData, opts: EngineOptions, onProgress?: (done: number, total: number) => void): CalibratedSchedule {
  return new ScheduleBuilder(opts).feed(d, onProgress);
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
