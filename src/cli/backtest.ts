import { defineCommand } from "citty";
import { runBacktest, type BacktestOptions } from "../backtest/run.ts";
import { UsageError } from "../errors.ts";
import { log, setLogLevel } from "../log.ts";
import { backtestPaths, writeBacktestOutputs } from "../report/backtest_outputs.ts";
import { progressBar, sourceRows } from "../report/progress.ts";
import { analyzeBacktest } from "../report/run_analysis.ts";
import { summaryLines } from "../report/table.ts";
import { commonArgs, jsonArg, marketAndPaths, marketSourceArgs, printJson, progressArg, setup, skipBadPartsArg, stageInputs, skippedPartsLine, timeArg, timeRangeArgs } from "./common.ts";

/**
 * backtest (docs/original.md §1.2, §6): event-driven simulation of AS quoting on recorded data.
 * Writes backtest_results.csv, fills.csv, markouts.csv, summary.json and report.html; see docs/backtest.md.
 */
export default defineCommand({
  meta: { name: "backtest", description: "Backtest Avellaneda-Stoikov quoting on recorded data" },
  args: {
    ...commonArgs,
    ...jsonArg,
    ...progressArg,
    ...marketSourceArgs,
    ...timeRangeArgs,
    ...skipBadPartsArg,
    output: { type: "string", description: "Per-recalibration CSV (default {data}/{market_dir}/backtest_results.csv); fills.csv, markouts.csv, summary.json, report.html go next to it", valueHint: "path" },
    capital: { type: "string", description: "Initial capital in USD (default initial_capital, 1000)", valueHint: "usd" },
    notional: { type: "string", description: "Order notional in USD (default order_notional, 20)", valueHint: "usd" },
    "fill-model": { type: "string", description: "cross | strict | queue (overrides fill_model)", valueHint: "model" },
    requote: { type: "string", description: "every_update | on_recalibration (overrides requote)", valueHint: "mode" },
    "intensity-at": { type: "string", description: "The report's intensity-vs-fit chart shows the calibration window of the recalibration at or before this time (default: the last)", valueHint: "time" },
    quiet: { type: "boolean", description: "No progress bar and no summary table (errors and --json still print)" },
  },
  async run({ args, rawArgs }) {
    // --quiet silences info lines from the start (setup logs which config file it used)
    if (args.quiet && !args["log-level"] && !process.env.LOG_LEVEL) setLogLevel("warn");
    const ctx = setup(args, rawArgs);
    const { config } = ctx;
    const market = marketAndPaths(args, config);
    const fm = args["fill-model"];
    if (fm !== undefined) {
      if (fm !== "cross" && fm !== "strict" && fm !== "queue") throw new UsageError(`--fill-model: expected cross|strict|queue, got ${JSON.stringify(fm)}`);
      config.fill_model = fm;
    }
    const rq = args.requote;
    if (rq !== undefined) {
      if (rq !== "every_update" && rq !== "on_recalibration") throw new UsageError(`--requote: expected every_update|on_recalibration, got ${JSON.stringify(rq)}`);
      config.requote = rq;
    }
    const capital = positiveArg("capital", args.capital);
    const notional = positiveArg("notional", args.notional);
    const fromMs = timeArg("from", args.from);
    const toMs = timeArg("to", args.to);
    const intensityAt = timeArg("intensity-at", args["intensity-at"]);
    if (fromMs !== undefined && toMs !== undefined && !(toMs > fromMs)) throw new UsageError(`--to must be after --from`);
    await stageInputs(ctx, market, args, { fromMs, toMs });
    const bar = progressBar(!args.quiet, args.progress);
    const opts: BacktestOptions = { config, dataDir: ctx.dataDir, market, tradesPath: args.trades, orderbookPath: args.orderbook, capital, notional, fromMs, toMs };
    // done = share of the --from/--to window passed, else of the book rows in the Parquet footers
    const totalBooks = bar.active ? await sourceRows(args.orderbook ?? { dataDir: ctx.dataDir, market }, "orderbook") : null;
    const frac = (rows: number, ts: number) =>
      fromMs !== undefined && toMs !== undefined && Number.isFinite(ts) ? (ts - fromMs) / (toMs - fromMs) : totalBooks ? rows / totalBooks : null;
    const out = await runBacktest({
      ...opts,
      skipBadParts: args["skip-bad-parts"],
      onProgress: (rows, ts) => bar.update("backtest", frac(rows, ts), `${rows.toLocaleString("en-US")} book rows${Number.isFinite(ts) ? `, at ${new Date(ts).toISOString()}` : ""}`),
    });
    bar.done();
    const t0 = performance.now();
    const analysis = await analyzeBacktest(out, opts, intensityAt);
    const t1 = performance.now();
    const files = backtestPaths(args.output, ctx.dataDir, market);
    writeBacktestOutputs(out, analysis, files);
    const t2 = performance.now();
    // analysis = the report's second look at the input (markouts, the intensity window)
    const timings = { ...out.timings, analysisMs: t1 - t0, writeMs: t2 - t1, totalMs: out.timings.totalMs + (t2 - t0) };
    if (args.json) {
      printJson({
        market, fill_model: config.fill_model, requote: config.requote, summary: out.summary, markouts: analysis.markouts, files,
        events: out.events, timings_ms: timings, reconciliation: out.reconciliation,
        data_quality: out.dataQuality,
      });
      return;
    }
    if (!args.quiet) {
      for (const line of summaryLines(out.summary, { market, fillModel: config.fill_model, requote: config.requote })) console.log(line);
      console.log(`Results written to ${files.results} (+ fills.csv, markouts.csv, summary.json, report.html)`);
    }
    const skipped = skippedPartsLine(out.dataQuality.skipped_parts);
    if (skipped && !args.json) (args.quiet ? log.warn : console.log)(skipped);
    log.debug(`timings: ${JSON.stringify(timings)}`);
  },
});

/** A flag that must be a finite number > 0 (numberArg's bound is inclusive). */
function positiveArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === "" ? NaN : Number(value);
  if (!(n > 0 && Number.isFinite(n))) throw new UsageError(`--${name}: expected a number > 0, got ${JSON.stringify(value)}`);
  return n;
}
