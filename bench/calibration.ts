/**
 * Calibration cost: 24 h of 10 snapshots/s books (864,000) plus matching trades, recalibration
 * every 60 s (1,440 calibrations), default model config (windowed GARCH, 1 h window). Compares the
 * incremental CalibrationEngine with the straightforward non-incremental ReferenceCalibrator in
 * the same run. The reference recomputes everything from scratch at every calibration (its cost
 * grows with the run length), so it is run on a shorter slice and its per-calibration cost is
 * measured at the end of that slice; the 24 h figure is extrapolated and labelled as such.
 *
 * Then the real-shaped day (bench/support/real_day_events.ts: the StandX sample tiled to 24 h,
 * at its own trade rate and at 2.5× it): the backtest's calibration of `--base` (default: the
 * commit before the calibration speed-ups), of this checkout on one thread (buildSchedule) and of
 * this checkout with the GARCH fits on a worker (buildScheduleParallel, what `backtest` runs),
 * alternating `--rounds` times on the same data, with the results compared; and the compatibility
 * path (`garch_full_history: true`) the same way on the first `--full-hours` of the busy day (its
 * cost grows with the square of the run length; `--full-hours 24` times the whole day, without the
 * base unless `--full-old`).
 *
 * Usage: bun bench/calibration.ts [--hours 24] [--ref-hours 2] [--base REV] [--rounds 3] [--full-hours 3 [--full-old]] [--skip-synthetic]
 */
import { CalibrationEngine, engineOptionsFromConfig } from "../src/model/engine.ts";
import { ReferenceCalibrator } from "../src/model/reference_calibrator.ts";
import { ConfigSchema } from "../src/config/schema.ts";
import * as v from "valibot";
import { generateSynthetic, type SyntheticMarket } from "../test/model/synthetic_market.ts";
import { join } from "node:path";
import { buildSchedule, buildScheduleParallel, type CalibratedSchedule } from "../src/backtest/calibrate.ts";
import type { EventData } from "../src/sim/data.ts";
import type { EngineOptions } from "../src/model/engine.ts";
import { oldSourceDir } from "./support/old_source.ts";
import { realShapedDay } from "./support/real_day_events.ts";

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const hours = arg("hours", 24);
const refHours = arg("ref-hours", 2);
const rounds = arg("rounds", 3);
const fullHours = arg("full-hours", 3);
const baseIdx = process.argv.indexOf("--base");
/** The phase before the calibration speed-ups (batched GARCH candidates, grid E(κ), running trade sums). */
const base = baseIdx >= 0 ? process.argv[baseIdx + 1]! : "c77ac4b93766ff1917029c51175e7cd640bad049";

const config = v.parse(ConfigSchema, {});
const opts = engineOptionsFromConfig(config);

type Cal = { onBook: CalibrationEngine["onBook"]; onTrade(ts: number, price: number, side: number): unknown; shouldRecalibrate(ts: number): boolean; calibrate(ts: number): unknown };

/** Feeds books [0, nBooks) with their trades; returns ms spent and calibrations done, and the ms of the last `tailCalibrations`. */
function feed(cal: Cal, m: SyntheticMarket, nBooks: number) {
  let cals = 0;
  const calMs: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < nBooks; i++) {
    const ts = m.bookTs[i];
    cal.onBook(ts, m.mid[i], m.bestBid[i], m.bestAsk[i], m.farBid[i], m.farAsk[i]);
    if (cal.shouldRecalibrate(ts)) {
      const c0 = performance.now();
      cal.calibrate(ts);
      calMs.push(performance.now() - c0);
      cals++;
    }
    for (let j = m.tradeStart[i]; j < m.tradeStart[i + 1]; j++) cal.onTrade(m.tradeTs[j], m.tradePx[j], m.tradeSide[j]);
  }
  return { ms: performance.now() - t0, cals, calMs };
}

if (!process.argv.includes("--skip-synthetic")) {
const g0 = performance.now();
const market = generateSynthetic({
  seed: 1, seconds: hours * 3600, snapshotsPerSecond: 10, sigma: 5e-5,
  kappaBid: 20000, aBid: 50000, kappaAsk: 15000, aAsk: 30000, tick: 0.1, mid0: 3000,
});
const genMs = performance.now() - g0;
console.log(`calibration bench: ${hours} h, ${market.nBooks.toLocaleString()} books, ${market.nTrades.toLocaleString()} trades (generated in ${(genMs / 1000).toFixed(1)} s, not timed)`);

const inc = feed(new CalibrationEngine(opts), market, market.nBooks);
const incPerCal = inc.calMs.reduce((a, b) => a + b, 0) / inc.cals;
console.log(`incremental engine: ${(inc.ms / 1000).toFixed(2)} s end to end for ${hours} h (${inc.cals} calibrations, ${incPerCal.toFixed(2)} ms each, ${((inc.ms - incPerCal * inc.cals) / market.nBooks * 1e3).toFixed(2)} µs/book ingest) — target < 5 s: ${inc.ms < 5000 ? "met" : "NOT met"}`);

const refBooks = Math.min(market.nBooks, Math.round(refHours * 3600 * 10));
const ref = feed(new ReferenceCalibrator(opts), market, refBooks);
// Steady state of the reference: mean of the last 10 calibrations of the slice (window full).
const tail = ref.calMs.slice(-10);
const refPerCal = tail.reduce((a, b) => a + b, 0) / tail.length;
const incSlice = feed(new CalibrationEngine(opts), market, refBooks);
console.log(`reference (non-incremental): ${(ref.ms / 1000).toFixed(2)} s for the first ${refHours} h (${ref.cals} calibrations; last ones ${refPerCal.toFixed(1)} ms each); incremental on the same slice: ${(incSlice.ms / 1000).toFixed(2)} s → ratio ${(ref.ms / incSlice.ms).toFixed(1)}× measured`);
// Once its 1 h window is full (the slice is longer than the window) the reference's cost per
// calibration is dominated by the window (≈36,000 snapshots × ≈95 κ evaluations × 2 exp per side)
// and stays about constant; only its 1 s resampling of the whole history grows, slowly. So
// constant cost per calibration from the end of the slice is a lower bound for 24 h.
const refIngestPerBook = (ref.ms - ref.calMs.reduce((a, b) => a + b, 0)) / refBooks;
const refExtrap = refPerCal * inc.cals + refIngestPerBook * market.nBooks;
console.log(`reference extrapolated to ${hours} h: ≥ ${(refExtrap / 1000).toFixed(0)} s (constant cost per calibration from the end of the slice; a lower bound) → ratio ≥ ${(refExtrap / inc.ms).toFixed(0)}× (extrapolated)`);
}

// ---------------------------------------------------------------- real-shaped day, old vs new

type Build = (d: EventData, o: EngineOptions) => CalibratedSchedule;
const oldBuild: Build = (await import(join(oldSourceDir(base), "src/backtest/calibrate.ts"))).buildSchedule;

/** Largest relative difference of σ and κ/A between two schedules (NaN when they differ in length). */
function maxDiff(a: CalibratedSchedule, b: CalibratedSchedule): { sigma: number; kappaA: number } {
  if (a.n !== b.n) return { sigma: NaN, kappaA: NaN };
  let sigma = 0, kappaA = 0;
  const rel = (x: number, y: number) => (x === y ? 0 : Math.abs(x / y - 1));
  for (let i = 0; i < a.n; i++) {
    sigma = Math.max(sigma, rel(a.sigma[i]!, b.sigma[i]!));
    for (const k of ["kappaBid", "kappaAsk", "aBid", "aAsk"] as const) kappaA = Math.max(kappaA, rel(a[k][i]!, b[k][i]!));
  }
  return { sigma, kappaA };
}

/**
 * Old, new (one thread) and new with the GARCH fits on a worker (what `backtest` runs) alternately
 * on the same data; best time of each.
 */
async function sideBySide(d: EventData, o: EngineOptions, n: number, runOld = true) {
  let bestOld = Infinity, bestNew = Infinity, bestPar = Infinity;
  let a: CalibratedSchedule | null = null, b: CalibratedSchedule | null = null, c: CalibratedSchedule | null = null;
  for (let r = 0; r < n; r++) {
    if (runOld) {
      const t0 = performance.now();
      a = oldBuild(d, o);
      bestOld = Math.min(bestOld, performance.now() - t0);
    }
    const t1 = performance.now();
    b = buildSchedule(d, o);
    bestNew = Math.min(bestNew, performance.now() - t1);
    const t2 = performance.now();
    c = await buildScheduleParallel(d, o);
    bestPar = Math.min(bestPar, performance.now() - t2);
  }
  return { bestOld, bestNew, bestPar, diff: a && b ? maxDiff(a, b) : null, parDiff: maxDiff(b!, c!), n: b!.n };
}

const head = (d: EventData, h: number): EventData => {
  const nB = d.bookTs.findIndex((t) => t > d.bookTs[0]! + h * 3_600_000);
  if (nB < 0) return d;
  const nT = d.tradeTs.findIndex((t) => t > d.bookTs[nB - 1]!);
  return { ...d, nBooks: nB, nTrades: nT < 0 ? d.nTrades : nT };
};

const s3 = (ms: number) => (ms / 1000).toFixed(2);
console.log(`\nreal-shaped day (StandX sample tiled to 24 h), backtest calibration, best of ${rounds} alternating runs; old = ${base.slice(0, 12)}:`);
for (const rate of [1, 2.5] as const) {
  const d = await realShapedDay(rate);
  const r = await sideBySide(d, opts, rounds);
  console.log(`  ${rate}× trade rate (${d.nBooks.toLocaleString()} books, ${d.nTrades.toLocaleString()} trades, ${r.n} calibrations): old ${s3(r.bestOld)} s, new ${s3(r.bestNew)} s one thread → ${(r.bestOld / r.bestNew).toFixed(2)}×, ${s3(r.bestPar)} s with the GARCH fits on a worker → ${(r.bestOld / r.bestPar).toFixed(2)}×; max rel. diff old/new σ ${r.diff!.sigma.toExponential(1)}, κ/A ${r.diff!.kappaA.toExponential(1)}; one thread/worker σ ${r.parDiff.sigma.toExponential(1)}, κ/A ${r.parDiff.kappaA.toExponential(1)} — target ≤ 1 s: ${r.bestPar <= 1000 ? "met" : "NOT met"}${r.bestNew <= 1000 ? " (also on one thread)" : ""}`);
}

const full = engineOptionsFromConfig(v.parse(ConfigSchema, { garch_full_history: true }));
// the busy day (≈ 185k trades, as the issue's 165,781-trade day): in this mode every calibration sums the window's trades in order
const dFull = head(await realShapedDay(2.5), fullHours);
// the old full-history fit takes ~10 min for a whole day: only on request beyond 6 h
const fullOld = fullHours <= 6 || process.argv.includes("--full-old");
const rf = await sideBySide(dFull, full, 1, fullOld);
console.log(`  garch_full_history, first ${fullHours} h (${dFull.nBooks.toLocaleString()} books): ${fullOld ? `old ${s3(rf.bestOld)} s, ` : ""}new ${s3(rf.bestNew)} s one thread, ${s3(rf.bestPar)} s with the GARCH fits on a worker${rf.diff ? ` → ${(rf.bestOld / rf.bestNew).toFixed(2)}× / ${(rf.bestOld / rf.bestPar).toFixed(2)}×; max rel. diff σ ${rf.diff.sigma.toExponential(1)}, κ/A ${rf.diff.kappaA.toExponential(1)}` : ""}; one thread/worker σ ${rf.parDiff.sigma.toExponential(1)}, κ/A ${rf.parDiff.kappaA.toExponential(1)}`);
