/**
 * The tearsheet's analysis of a finished run: PnL attribution on the chart grid, markouts from a
 * second pass over the top of book, the book gaps (warm-up shading) and the intensity diagnostic
 * of the last calibration window. Runs after the simulation; the core loop is not involved.
 */
import type { SampleCols } from "../backtest/chart_grid.ts";
import type { CalibratedSchedule } from "../backtest/calibrate.ts";
import type { RunResult } from "../sim/layout.ts";
import type { BacktestOptions, BacktestOutcome } from "../backtest/run.ts";
import type { Config } from "../config/schema.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import type { SourceSpec } from "../storage/sources.ts";
import { attribution, type Attribution } from "./attribution.ts";
import { intensityBins, type IntensityBins } from "./intensity_view.ts";
import { markouts, markoutTimes, type MarkoutStat } from "./markouts.ts";
import { replayMids, replayWindow } from "./replay.ts";

export interface RunAnalysis {
  attribution: Attribution;
  markouts: MarkoutStat[];
  gapEnds: number[];
  /** The intensity diagnostic of one calibration window; `label` says which (the last recalibration, or the one --intensity-at picked). */
  intensity: { fromMs: number; toMs: number; label: string; bid: IntensityBins; ask: IntensityBins } | null;
}

export interface AnalysisInput {
  config: Config;
  capital: number;
  tickSize: number;
  gapMs: number;
  result: RunResult;
  schedule: CalibratedSchedule;
  chart: SampleCols;
  books: SourceSpec;
  trades: SourceSpec;
  fromMs?: number;
  toMs?: number;
  /** The intensity diagnostic's window: the recalibration at or before this time (default: the last one). */
  intensityAtMs?: number;
}

export async function analyzeRun(a: AnalysisInput): Promise<RunAnalysis> {
  const f = a.result.fills;
  const { fillIdx, times } = markoutTimes(f);
  const w = { fromMs: a.fromMs, toMs: a.toMs };
  const { mids, gapEnds } = await replayMids(a.books, w, a.tickSize, times, a.gapMs);
  const s = a.schedule;
  let intensity: RunAnalysis["intensity"] = null;
  const k = pickRecalibration(s.ts.subarray(0, s.n), a.intensityAtMs);
  if (k >= 0) {
    const toMs = s.ts[k]!, fromMs = toMs - a.config.calibration_window_seconds * 1000;
    const win = await replayWindow(a.books, a.trades, Math.max(fromMs, a.fromMs ?? -Infinity), toMs, a.tickSize);
    const eo = engineOptionsFromConfig(a.config);
    const gap = eo.maxGapMs;
    intensity = {
      fromMs, toMs, label: a.intensityAtMs === undefined ? "the last recalibration" : `the recalibration at or before --intensity-at, #${k + 1} of ${s.n}`,
      bid: intensityBins(win.points, toMs, gap, win.trades, "bid", { kappa: s.kappaBid[k]!, a: s.aBid[k]! }, eo.tradeBookRule),
      ask: intensityBins(win.points, toMs, gap, win.trades, "ask", { kappa: s.kappaAsk[k]!, a: s.aAsk[k]! }, eo.tradeBookRule),
    };
  }
  return { attribution: attribution(a.chart, f, a.capital), markouts: markouts(f, fillIdx, mids), gapEnds, intensity };
}

/** Index of the last recalibration at or before `atMs` (the first one if none is; the last without a time); −1 when there are none. */
export function pickRecalibration(ts: ArrayLike<number>, atMs?: number): number {
  if (ts.length === 0) return -1;
  if (atMs === undefined) return ts.length - 1;
  let k = 0;
  while (k + 1 < ts.length && ts[k + 1]! <= atMs) k++;
  return k;
}

/** analyzeRun for a runBacktest outcome, reading the sources the run read (as runBacktest picks them). */
export function analyzeBacktest(out: BacktestOutcome, o: BacktestOptions, intensityAtMs?: number): Promise<RunAnalysis> {
  const spec: SourceSpec = { dataDir: o.dataDir, market: o.market };
  return analyzeRun({
    config: out.config, capital: out.params.capital, tickSize: out.market.tickSize, gapMs: out.params.gapMs, result: out.result,
    schedule: out.schedule, chart: out.chart.samples, books: o.orderbookPath ?? spec, trades: o.tradesPath ?? spec, fromMs: o.fromMs, toMs: o.toMs, intensityAtMs,
  });
}
