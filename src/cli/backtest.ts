import { defineCommand } from "citty";
import { runBacktest } from "../backtest/run.ts";
import { UsageError } from "../errors.ts";
import { log, setLogLevel } from "../log.ts";
import { summaryLines } from "../report/table.ts";
import { commonArgs, jsonArg, marketAndPaths, marketSourceArgs, printJson, progressArg, setup, timeArg, timeRangeArgs } from "./common.ts";

/**
 * backtest (docs/original.md §1.2, §6): event-driven simulation of AS quoting on recorded data.
 * Writes backtest_results.csv, fills.csv, summary.json and report.html; see docs/backtest.md.
 */
export default defineCommand({
  meta: { name: "backtest", description: "Backtest Avellaneda-Stoikov quoting on recorded data" },
  args: {
    ...commonArgs,
    ...jsonArg,
    ...progressArg,
    ...marketSourceArgs,
    ...timeRangeArgs,
    output: { type: "string", description: "Per-recalibration CSV (default {data}/{market_dir}/backtest_results.csv); fills.csv, summary.json, report.html go next to it", valueHint: "path" },
    capital: { type: "string", description: "Initial capital in USD (default initial_capital, 1000)", valueHint: "usd" },
    notional: { type: "string", description: "Order notional in USD (default order_notional, 20)", valueHint: "usd" },
    "fill-model": { type: "string", description: "cross | strict | queue (overrides fill_model)", valueHint: "model" },
    requote: { type: "string", description: "every_update | on_recalibration (overrides requote)", valueHint: "mode" },
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
    if (fromMs !== undefined && toMs !== undefined && !(toMs > fromMs)) throw new UsageError(`--to must be after --from`);
    const out = await runBacktest({
      config, dataDir: ctx.dataDir, market, tradesPath: args.trades, orderbookPath: args.orderbook, output: args.output,
      capital, notional, fromMs, toMs, quiet: args.quiet, progress: args.progress,
    });
    if (args.json) {
      printJson({
        market, fill_model: config.fill_model, requote: config.requote, summary: out.summary, files: out.files,
        events: out.events, timings_ms: out.timings, reconciliation: out.reconciliation, markouts: out.markouts,
        data_quality: out.dataQuality,
      });
      return;
    }
    if (!args.quiet) {
      for (const line of summaryLines(out.summary, { market, fillModel: config.fill_model, requote: config.requote })) console.log(line);
      if (out.files) console.log(`Results written to ${out.files.results} (+ fills.csv, summary.json, report.html)`);
    }
    log.debug(`timings: ${JSON.stringify(out.timings)}`);
  },
});

/** A flag that must be a finite number > 0 (numberArg's bound is inclusive). */
function positiveArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === "" ? NaN : Number(value);
  if (!(n > 0 && Number.isFinite(n))) throw new UsageError(`--${name}: expected a number > 0, got ${JSON.stringify(value)}`);
  return n;
}
