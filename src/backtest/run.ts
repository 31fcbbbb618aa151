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
import { reportHtml, type ChartSpec } from "../report/html.ts";
import { progressBar } from "../report/progress.ts";
import { marketPath } from "../storage/layout.ts";
import type { SourceSpec } from "../storage/sources.ts";
import type { CalibratedSchedule } from "./calibrate.ts";
import type { BuildStats } from "./data.ts";
import { S, type RunResult } from "./layout.ts";
import { readMarketInfo } from "../storage/market_json.ts";
import { runStreamed } from "./stream.ts";
import type { SampleCols } from "./chart_grid.ts";
import { reconcile, summarize, type Summary } from "./metrics.ts";
import { runParamsFromConfig, type RunParams } from "./params.ts";

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

export interface DataQuality {
  bad_trades: number;
  duplicate_trades: number;
  one_sided_books: number;
  crossed_books: number;
}

export function dataQuality(st: BuildStats): DataQuality {
  return { bad_trades: st.badTrades, duplicate_trades: st.duplicateTrades, one_sided_books: st.oneSidedBooks, crossed_books: st.crossedBooks };
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
    onFirstChunk: (d) => warnIfBelowOneLot(d.bestBid, d.bestAsk, params),
    chart: true,
    onProgress: (rows, ts) => bar.update("backtest", null, `${rows.toLocaleString()} book rows${Number.isFinite(ts) ? `, at ${new Date(ts).toISOString()}` : ""}`),
  });
  bar.done();
  const { result, schedule, stats: st, events } = run;
  const chart = run.chart!;
  const quality = dataQuality(st);
  if (st.badTrades) log.warn(`${st.badTrades} trade(s) with NaN or non-positive price/quantity dropped`);
  if (st.duplicateTrades) log.warn(`${st.duplicateTrades} exact duplicate trade row(s) dropped`);
  if (st.oneSidedBooks) log.info(`${st.oneSidedBooks} book row(s) with an empty side: the last mid is kept for them`);
  if (st.crossedBooks) log.warn(`${st.crossedBooks} crossed book row(s) (best bid > best ask) in the data: their mid is used as is`);
  const other = [...run.markets].filter((m) => m !== o.market);
  if (other.length) log.warn(`the data names market ${other.join(", ")}, not ${o.market}: backtesting it with ${o.market}'s tick, lot, limits and fees`);
  const early = run.beforeFirstBook;
  if (early.trades || early.funding) {
    // a few trades just before the first book (a --from cut) are routine, as are funding prints;
    // a minute or more of them would have distorted every time-based metric, so that is a warning
    (early.trades && early.bookTs - early.firstTs >= 60_000 ? log.warn : log.info)(`${early.trades} trade(s) and ${early.funding} funding print(s) before the first order-book row ignored (no mid to quote from yet): the run starts at the first book row`);
  }
  if (run.bookGaps > 0) {
    // each gap cancels the orders and blocks fills for warmup_period_seconds: say so, loudly when
    // the warm-ups could cover most of the run (e.g. a gap threshold below the book interval)
    const span = result.scalars[S.totalTime]!;
    const msg = `${run.bookGaps} order-book gap(s) longer than gap_threshold_seconds (${params.gapMs / 1000} s): each cancels all orders and blocks fills for warmup_period_seconds (${params.warmupMs / 1000} s)`;
    (run.bookGaps * params.warmupMs >= 0.5 * span ? log.warn : log.info)(msg);
  }
  const tailMs = result.scalars[S.lastTs]! - run.lastBookTs;
  if (tailMs >= 60_000) {
    log.warn(`the trades/funding go on ${(tailMs / 1000).toLocaleString("en-US")} s after the last order-book row: no quote is set there (live ones expire), yet the run's clock, the Sharpe/uptime denominators and the close at the last mid extend to the last event; consider --to`);
  }
  if (events.trades === 0) log.warn("no trades in the selected data: nothing can fill");
  if (schedule.n > 0 && run.unfittedCalibrations === schedule.n && events.trades > 0) {
    log.warn(`κ and A were never fitted (at no calibration did the window hold min_trades_per_side usable trades: taker side known, placed against an earlier book): every quote used the defaults κ 100, A 10, i.e. a spread near max_spread_bps`);
  }
  if (run.kappaAtBoundCalibrations > 0) {
    log.warn(`κ sits at its search bound (1 or 1e6) in ${run.kappaAtBoundCalibrations} of ${schedule.n} calibrations: there the trades do not identify κ and the quotes rest on an untrustworthy fit`);
  }
  if (schedule.n === 0) log.warn(`no calibration happened (fewer than ${config.min_prices_for_calibration} valid mids): no quotes`);
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
      [files.report, renderReport(o.market, config, summary, chart, quality)],
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

/** Settings under which no order can ever trade (below one lot, expiring before live) would otherwise be silent. */
function warnIfBelowOneLot(bid: Float64Array, ask: Float64Array, p: RunParams): void {
  // validity counts from the decision, activation comes latency later: such an order never goes live
  if (p.validityMs > 0 && p.validityMs <= p.latencyMs) {
    log.warn(`quote_validity_seconds ${p.validityMs / 1000} is not longer than order_latency_ms ${p.latencyMs}: every quote expires before it goes live, nothing can fill`);
  }
  if (p.originalSizing || !(p.lotSize > 0)) return;
  // fills are truncated to whole lots within ±max_inventory: below one lot every fill is zero
  if (p.maxInventory < p.lotSize) {
    log.warn(`max_inventory ${p.maxInventory} is below one lot (${p.lotSize}): no order can be filled`);
  }
  for (let i = 0; i < bid.length; i++) {
    if (bid[i]! > 0 && ask[i]! > 0) {
      const mid = (bid[i]! + ask[i]!) / 2;
      if (p.orderNotional / mid < p.lotSize) {
        log.warn(`order notional ${p.orderNotional} is below one lot (${p.lotSize}) at price ${mid}: no order can be placed`);
      }
      return;
    }
  }
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

function renderReport(market: string, config: Config, s: Summary, chart: { samples: SampleCols; stepMs: number }, quality: DataQuality): string {
  const q = chart.samples;
  const n = q.ts.length;
  const eq = new Float64Array(n);
  const spread = new Float64Array(n);
  const mid = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    eq[i] = q.cash[i]! + q.inventory[i]! * q.mid[i]!; // as metrics.equitySeries
    mid[i] = q.mid[i]! > 0 ? q.mid[i]! : NaN;
    spread[i] = q.mid[i]! > 0 ? ((q.ask[i]! - q.bid[i]!) / q.mid[i]!) * 1e4 : NaN;
  }
  const charts: ChartSpec[] = [
    { title: "Equity", unit: "USD", x: q.ts, series: [{ name: "equity", color: "#1f6feb", y: eq }] },
    { title: "Inventory", unit: "base units", x: q.ts, series: [{ name: "inventory", color: "#8250df", y: q.inventory }] },
    {
      title: "Mid and our quotes", unit: "price", x: q.ts,
      series: [
        { name: "mid", color: "#57606a", y: mid },
        { name: "our bid", color: "#1a7f37", y: q.bid },
        { name: "our ask", color: "#cf222e", y: q.ask },
      ],
    },
    { title: "Our quoted spread", unit: "bps of mid", x: q.ts, series: [{ name: "ask − bid", color: "#bc4c00", y: spread }] },
  ];
  const defects = quality.bad_trades + quality.duplicate_trades + quality.one_sided_books + quality.crossed_books;
  return reportHtml({
    title: `Backtest ${market}`,
    subtitle: `${new Date(s.first_ts).toISOString()} → ${new Date(s.last_ts).toISOString()} · fill model ${config.fill_model}` +
      `${config.fill_model === "queue" ? ` (${config.queue_model})` : ""} · requote ${config.requote} · latency ${config.order_latency_ms} ms`,
    summary: s,
    charts,
    tables: [{
      title: "Data quality",
      id: "data-quality",
      rows: [
        ["bad_trades", quality.bad_trades, "trades with a missing, zero or negative price or quantity, dropped"],
        ["duplicate_trades", quality.duplicate_trades, "exact repeats of the previous trade, dropped"],
        ["one_sided_books", quality.one_sided_books, "book rows with an empty side, the last mid kept"],
        ["crossed_books", quality.crossed_books, "book rows with best bid > best ask, kept"],
      ],
    }],
    notes: [
      `Charts: ${n.toLocaleString("en-US")} points, one every ${fmtSeconds(chart.stepMs)} on a fixed grid from the first event (the last point is after the closing trade); our bid/ask are shown only while an order is live.`,
      `final_pnl is profit (final equity − initial capital). Sharpe/Sortino and drawdown are computed from equity sampled every ${s.sample_seconds} s (equity_sample_seconds), not from the chart points; Sharpe/Sortino are annualised (365 days).`,
      defects > 0 ? `The input had ${defects.toLocaleString("en-US")} defect(s), counted in the data quality table.` : "The input had no counted defects.",
    ],
  });
}

/** 2.4 s, 60 s, 3.75 s: at most 3 decimals, no trailing zeros. */
function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
