/**
 * One backtest end to end, streamed in time-cut chunks (stream.ts: read → validate → calibrate →
 * simulate per chunk, bounded memory) → metrics → an outcome. Nothing is written here: the CLI
 * (src/cli/backtest.ts) shows progress and writes the files (src/report/backtest_outputs.ts). A
 * sweep keeps the whole data set resident instead and uses the pieces (loadEventData,
 * buildSchedule, BacktestCore.prepare/run, summarize) directly.
 */
import { resolveMarket, type MarketParams } from "../config/market.ts";
import type { Config } from "../config/schema.ts";
import { AppError, DataError } from "../errors.ts";
import { log } from "../log.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import type { SourceSpec } from "../storage/sources.ts";
import type { CalibratedSchedule } from "./calibrate.ts";
import { dataQuality, type BuildStats, type DataQuality } from "../sim/data.ts";
import { runDiagnostics, settingsDiagnostics } from "./diagnostics.ts";
import { S, type RunResult } from "../sim/layout.ts";
import { readMarketInfo } from "../storage/market_json.ts";
import { runStreamed } from "./stream.ts";
import type { SampleCols } from "./chart_grid.ts";
import { reconcile, summarize, type Summary } from "./metrics.ts";
import { runParamsFromConfig, type RunParams } from "../sim/params.ts";

export interface BacktestOptions {
  config: Config;
  dataDir: string;
  market: string;
  /** Override sources (the original's --trades/--orderbook). */
  tradesPath?: string;
  orderbookPath?: string;
  capital?: number;
  notional?: number;
  fromMs?: number;
  toMs?: number;
  /** Read on past unreadable Parquet parts (listed in dataQuality.skipped_parts); default: stop, exit 3. */
  skipBadParts?: boolean;
  /** After each chunk: book rows simulated so far and the time of the last one. */
  onProgress?: (bookRows: number, ts: number) => void;
}

export interface BacktestOutcome {
  /** The market as asked for (the data directory's name for it). */
  marketName: string;
  config: Config;
  market: MarketParams;
  params: RunParams;
  summary: Summary;
  result: RunResult;
  schedule: CalibratedSchedule;
  stats: BuildStats;
  /** The input defects counted while reading (also in summary.json, report.html and --json). */
  dataQuality: DataQuality;
  /** Equity samples drawn in report.html: a grid finer than the metrics' (bounded count), and its spacing. */
  chart: { samples: SampleCols; stepMs: number };
  events: { books: number; trades: number; funding: number };
  /** Time-cut chunks the run was streamed in. */
  chunks: number;
  /** read = reading, validating and copying (everything but calibration and the core loop). */
  timings: { readMs: number; calibrateMs: number; simulateMs: number; coreMs: number; totalMs: number };
  /** |final PnL − Σ fill cash flows − fees + funding| (should be ~1e-12). */
  reconciliation: number;
}

export async function runBacktest(o: BacktestOptions): Promise<BacktestOutcome> {
  const t0 = performance.now();
  const { config } = o;
  const market = resolveMarket(config, o.market, readMarketInfo(o.dataDir, o.market));
  const params = runParamsFromConfig(config, market, { capital: o.capital, orderNotional: o.notional });
  const spec: SourceSpec = { dataDir: o.dataDir, market: o.market };
  const run = await runStreamed({
    books: o.orderbookPath ?? spec,
    trades: o.tradesPath ?? spec,
    funding: o.orderbookPath || o.tradesPath ? null : spec,
    fromMs: o.fromMs,
    toMs: o.toMs,
    skipBadParts: o.skipBadParts,
    levels: config.fill_model === "queue" ? config.max_depth_levels : 0,
    tickSize: market.tickSize,
    engine: engineOptionsFromConfig(config),
    params,
    onFirstChunk: (d) => {
      for (const x of settingsDiagnostics(d.bestBid, d.bestAsk, params)) log[x.level](x.text);
    },
    chart: true,
    onProgress: o.onProgress,
  });
  const { result, schedule, stats: st, events } = run;
  const chart = run.chart!;
  const quality = dataQuality(st, run.skippedParts);
  for (const d of runDiagnostics(o.market, config, params, run)) log[d.level](d.text);
  const t3 = performance.now();

  const summary = summarize(result, params);
  const { diff: rec, tolerance } = reconcile(result, params.capital);
  if (!(rec <= tolerance)) {
    throw new AppError(`accounting check failed: final PnL differs from the sum of fill cash flows by ${rec} (tolerance ${tolerance.toPrecision(3)}, 1e-13 of the money moved)`);
  }
  for (const [k, v] of Object.entries(summary)) {
    if (typeof v === "number" && !Number.isFinite(v)) throw new AppError(`internal error: metric ${k} is ${v}`);
  }

  const t4 = performance.now();
  if (result.scalars[S.overflow]) throw new DataError("internal: fill table overflow");
  return {
    marketName: o.market, config, market, params, summary, result, schedule, stats: st, dataQuality: quality, chart,
    events,
    chunks: run.chunks,
    timings: {
      readMs: t3 - t0 - run.calibrateMs - result.coreMs, calibrateMs: run.calibrateMs, simulateMs: result.coreMs,
      coreMs: result.coreMs, totalMs: t4 - t0,
    },
    reconciliation: rec,
  };
}
