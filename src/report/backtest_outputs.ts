/**
 * The files of one backtest, written at the edge from its outcome (src/backtest/run.ts computes,
 * src/report/run_analysis.ts adds the report's analysis, this writes): backtest_results.csv (per
 * recalibration), fills.csv, markouts.csv, summary.json and report.html, the last four next to
 * the first.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BacktestOutcome } from "../backtest/run.ts";
import { AppError, describeError } from "../errors.ts";
import { marketPath } from "../storage/layout.ts";
import { backtestReportHtml } from "./backtest_report.ts";
import { fillsCsv, resultsCsv } from "./csv.ts";
import { markoutsCsv } from "./markouts.ts";
import type { RunAnalysis } from "./run_analysis.ts";

export interface BacktestPaths {
  results: string;
  fills: string;
  summary: string;
  report: string;
  markouts: string;
}

/** The output paths: `results` (default {data}/{market_dir}/backtest_results.csv) and its siblings. */
export function backtestPaths(results: string | undefined, dataDir: string, market: string): BacktestPaths {
  const r = results ?? join(marketPath(dataDir, market), "backtest_results.csv");
  const dir = dirname(r);
  return { results: r, fills: join(dir, "fills.csv"), summary: join(dir, "summary.json"), report: join(dir, "report.html"), markouts: join(dir, "markouts.csv") };
}

/** Writes the five files; a path that cannot be written is the user's: one AppError naming it. */
export function writeBacktestOutputs(out: BacktestOutcome, analysis: RunAnalysis, paths: BacktestPaths): void {
  const { config, params, result } = out;
  const meta = {
    market: out.marketName,
    fill_model: config.fill_model,
    queue_model: config.fill_model === "queue" ? config.queue_model : null,
    requote: config.requote,
    order_latency_ms: config.order_latency_ms,
    gamma_mode: config.gamma_mode,
    tick_size: out.market.tickSize,
    lot_size: out.market.lotSize,
    order_notional: params.orderNotional,
    maker_fee_bps: out.market.makerFeeBps,
    taker_fee_bps: out.market.takerFeeBps,
    events: out.events,
  };
  const contents: [string, string][] = [
    [paths.results, resultsCsv(result, out.schedule, params.capital)],
    [paths.fills, fillsCsv(result)],
    [paths.summary, JSON.stringify({ ...meta, summary: out.summary, data_quality: out.dataQuality, markouts: analysis.markouts }, null, 2) + "\n"],
    [paths.markouts, markoutsCsv(analysis.markouts)],
    [paths.report, backtestReportHtml({ market: out.marketName, config, summary: out.summary, quality: out.dataQuality, chart: out.chart, result, schedule: out.schedule, analysis })],
  ];
  try {
    for (const [path, text] of contents) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  } catch (e) {
    // the user's path, not an internal failure: one line naming it (as calculate_spread)
    throw new AppError(`--output ${paths.results}: cannot write (${describeError(e)})`);
  }
}
