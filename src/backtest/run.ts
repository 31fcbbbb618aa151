/**
 * One backtest end to end, streamed in time-cut chunks (stream.ts: read → validate → calibrate →
 * simulate per chunk, bounded memory) → metrics → outputs. The CLI (src/cli/backtest.ts) is a thin
 * layer over `runBacktest`; a sweep keeps the whole data set resident instead and uses the pieces
 * (loadEventData, buildSchedule, BacktestCore.prepare/run, summarize) directly.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { resolveMarket, type MarketParams } from "../config/market.ts";
import type { Config } from "../config/schema.ts";
import { AppError, DataError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import { fillsCsv, resultsCsv } from "../report/csv.ts";
import { backtestReportHtml } from "../report/backtest_report.ts";
import { progressBar } from "../report/progress.ts";
import { marketPath } from "../storage/layout.ts";
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
  /** backtest_results.csv path; fills.csv, summary.json and report.html go next to it. */
  output?: string;
  capital?: number;
  notional?: number;
  fromMs?: number;
  toMs?: number;
  quiet?: boolean;
  /** Write outputs (false for library use). */
  write?: boolean;
}

export interface BacktestOutcome {
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
  files: { results: string; fills: string; summary: string; report: string } | null;
  /** Time-cut chunks the run was streamed in. */
  chunks: number;
  /** read = reading, validating and copying (everything but calibration, the core loop and writing). */
  timings: { readMs: number; calibrateMs: number; simulateMs: number; coreMs: number; writeMs: number; totalMs: number };
  /** |final PnL − Σ fill cash flows − fees + funding| (should be ~1e-12). */
  reconciliation: number;
}

export async function runBacktest(o: BacktestOptions): Promise<BacktestOutcome> {
  const t0 = performance.now();
  const { config } = o;
  const market = resolveMarket(config, o.market, readMarketInfo(o.dataDir, o.market));
  const params = runParamsFromConfig(config, market, { capital: o.capital, orderNotional: o.notional });
  const bar = progressBar(!o.quiet);
  const spec: SourceSpec = { dataDir: o.dataDir, market: o.market };
  const run = await runStreamed({
    books: o.orderbookPath ?? spec,
    trades: o.tradesPath ?? spec,
    funding: o.orderbookPath || o.tradesPath ? null : spec,
    fromMs: o.fromMs,
    toMs: o.toMs,
    levels: config.fill_model === "queue" ? config.max_depth_levels : 0,
    tickSize: market.tickSize,
    engine: engineOptionsFromConfig(config),
    params,
    onFirstChunk: (d) => {
      for (const x of settingsDiagnostics(d.bestBid, d.bestAsk, params)) log[x.level](x.text);
    },
    chart: true,
    onProgress: (rows, ts) => bar.update("backtest", null, `${rows.toLocaleString()} book rows${Number.isFinite(ts) ? `, at ${new Date(ts).toISOString()}` : ""}`),
  });
  bar.done();
  const { result, schedule, stats: st, events } = run;
  const chart = run.chart!;
  const quality = dataQuality(st);
  for (const d of runDiagnostics(o.market, config, params, run)) log[d.level](d.text);
  const t3 = performance.now();

  const summary = summarize(result, params);
  const rec = reconcile(result, params.capital);
  if (!(rec <= 1e-9 * Math.max(1, summary.notional / 1e6))) {
    throw new AppError(`accounting check failed: final PnL differs from the sum of fill cash flows by ${rec}`);
  }
  for (const [k, v] of Object.entries(summary)) {
    if (typeof v === "number" && !Number.isFinite(v)) throw new AppError(`internal error: metric ${k} is ${v}`);
  }

  let files: BacktestOutcome["files"] = null;
  if (o.write !== false) {
    const results = o.output ?? join(marketPath(o.dataDir, o.market), "backtest_results.csv");
    const dir = dirname(results);
    files = { results, fills: join(dir, "fills.csv"), summary: join(dir, "summary.json"), report: join(dir, "report.html") };
    const meta = summaryMeta(o, config, market, events.books, events.trades, events.funding);
    const contents: [string, string][] = [
      [files.results, resultsCsv(result, schedule, params.capital)],
      [files.fills, fillsCsv(result)],
      [files.summary, JSON.stringify({ ...meta, summary, data_quality: quality }, null, 2) + "\n"],
      [files.report, backtestReportHtml(o.market, config, summary, chart, quality)],
    ];
    try {
      mkdirSync(dir, { recursive: true });
      for (const [path, text] of contents) writeFileSync(path, text);
    } catch (e) {
      // the user's path, not an internal failure: one line naming it (as calculate_spread)
      throw new AppError(`--output ${results}: cannot write (${describeError(e)})`);
    }
  }
  const t4 = performance.now();
  if (result.scalars[S.overflow]) throw new DataError("internal: fill table overflow");
  return {
    market, params, summary, result, schedule, stats: st, dataQuality: quality, chart,
    events,
    files,
    chunks: run.chunks,
    timings: {
      readMs: t3 - t0 - run.calibrateMs - result.coreMs, calibrateMs: run.calibrateMs, simulateMs: result.coreMs,
      coreMs: result.coreMs, writeMs: t4 - t3, totalMs: t4 - t0,
    },
    reconciliation: rec,
  };
}

function summaryMeta(o: BacktestOptions, config: Config, m: MarketParams, books: number, trades: number, funding: number) {
  return {
    market: o.market,
    fill_model: config.fill_model,
    queue_model: config.fill_model === "queue" ? config.queue_model : null,
    requote: config.requote,
    order_latency_ms: config.order_latency_ms,
    gamma_mode: config.gamma_mode,
    tick_size: m.tickSize,
    lot_size: m.lotSize,
    order_notional: o.notional ?? m.orderNotional,
    maker_fee_bps: m.makerFeeBps,
    taker_fee_bps: m.takerFeeBps,
    events: { books, trades, funding },
  };
}
