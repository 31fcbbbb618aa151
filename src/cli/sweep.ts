import { defineCommand } from "citty";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { AppError, UsageError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import { combinations, parseParam, sweepBaseConfig, validateParams } from "../sweep/grid.ts";
import { resultsCsv, summaryText } from "../sweep/output.ts";
import { runPool } from "../sweep/pool.ts";
import { bestPerValue, rank, RANK_METRICS, type RankMetric } from "../sweep/rank.ts";
import { sweepReportHtml } from "../sweep/report_html.ts";
import { progressBar } from "../report/progress.ts";
import { commonArgs, jsonArg, numberArg, printJson, progressArg, repeatedFlag, setup, skipBadPartsArg, skippedPartsLine, timeArg, timeRangeArgs } from "./common.ts";

export default defineCommand({
  meta: { name: "sweep", description: "Run a parallel parameter sweep of the backtest" },
  args: {
    ...commonArgs,
    ...jsonArg,
    ...progressArg,
    param: { type: "string", description: "key=a:b:n[:log] or key=v1,v2,... (repeat for more dimensions)", valueHint: "spec", required: true },
    market: { type: "string", description: "Market (default: the first configured market)", valueHint: "name" },
    orderbook: { type: "string", description: "Order-book data (file or directory) instead of the data-dir layout", valueHint: "path" },
    trades: { type: "string", description: "Trade data (file or directory) instead of the data-dir layout", valueHint: "path" },
    ...timeRangeArgs,
    ...skipBadPartsArg,
    threads: { type: "string", description: "Worker threads (default: num_threads, else one per core)", valueHint: "n" },
    rank: { type: "string", description: "sharpe|pnl|sortino|return_over_drawdown (default sharpe)", valueHint: "metric" },
    "min-fills": { type: "string", description: "Runs with fewer fills are not ranked (default 5)", valueHint: "n" },
    out: { type: "string", description: "Output directory (default sweep-output)", valueHint: "dir" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    const specs = repeatedFlag(rawArgs, "param");
    if (specs.length === 0) throw new UsageError("sweep: give at least one --param key=...");
    const params = specs.map(parseParam);
    validateParams(ctx.config, params);
    const metric = (args.rank ?? "sharpe") as RankMetric;
    if (!RANK_METRICS.includes(metric)) throw new UsageError(`--rank: expected ${RANK_METRICS.join("|")}, got ${JSON.stringify(args.rank)}`);
    const minFills = numberArg("min-fills", args["min-fills"], { min: 0, integer: true }) ?? 5;
    const threads = numberArg("threads", args.threads, { min: 1, integer: true }) ?? ctx.config.num_threads ?? availableParallelism();
    const market = args.market ?? ctx.config.markets[0];
    if (!market) throw new UsageError("sweep: no --market and no market in the config");
    if (params.some((p) => p.key === "risk_aversion_gamma") && ctx.config.gamma_mode !== "constant") {
      log.warn(`sweeping risk_aversion_gamma with gamma_mode=${ctx.config.gamma_mode}: γ is only used as given in gamma_mode=constant`);
    }
    const combos = combinations(params);
    const outDir = resolve(args.out ?? "sweep-output");
    try {
      mkdirSync(outDir, { recursive: true }); // before the runs: a bad path must not cost the whole grid
    } catch (e) {
      throw new AppError(`--out ${outDir}: cannot create (${describeError(e)})`);
    }
    log.info(`sweep: ${combos.length} runs of ${market} on ${Math.min(threads, combos.length)} thread(s): ${params.map((p) => `${p.key} (${p.values.length})`).join(" × ")}`);

    const fromMs = timeArg("from", args.from);
    const toMs = timeArg("to", args.to);
    if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) throw new UsageError("--from must be before --to");
    const source = { dataDir: ctx.dataDir, market, orderbook: args.orderbook, trades: args.trades, fromMs, toMs, skipBadParts: args["skip-bad-parts"] };
    const every = Math.max(1, Math.round(combos.length / 20));
    const bar = progressBar(true, args.progress);
    // a swept per-market key (max_inventory, order_notional, fees) must win over markets_config
    const config = sweepBaseConfig(ctx.config, market, params);
    const res = await runPool({
      source,
      config,
      keys: params.map((p) => p.key),
      combos,
      threads,
      onResult: (row, done, total) => {
        if (row.error) log.warn(`run ${row.index} (${params.map((p, i) => `${p.key}=${row.values[i]}`).join(", ")}) failed: ${row.error}`);
        else if (bar.active) bar.update("sweep", done / total, `${done}/${total} runs`);
        else if (done % every === 0 || done === total) log.info(`[${done}/${total}] done`);
      },
    });
    bar.done();
    const ranking = rank(res.rows, metric, minFills);
    const best = bestPerValue(res.rows, params, ranking);
    const csvPath = join(outDir, "sweep_results.csv");
    const htmlPath = join(outDir, "sweep_report.html");
    writeFileSync(csvPath, resultsCsv(res.rows, params, ranking));
    const sampleNote = `annualised from equity sampled every ${ctx.config.equity_sample_seconds} s (equity_sample_seconds)`;
    const facts: [string, string][] = [
      ["market", market],
      ["runs", String(combos.length)],
      ["threads", String(Math.min(threads, combos.length))],
      ["wall time", `${(res.wallMs / 1000).toFixed(1)} s: data read ${(res.loadMs / 1000).toFixed(1)} s and shared calibration ${(res.calibrateMs / 1000).toFixed(1)} s, then ${(res.runMs / combos.length / 1000).toFixed(3)} s per run`],
      ["ranked by", `${metric}, min fills ${minFills}`],
      ["Sharpe/Sortino", sampleNote],
      ["parameters", params.map((p) => p.spec).join("  ")],
      ["skipped parts", res.dataQuality.skipped_parts.map((x) => `${x.file} (${x.reason})`).join("; ") || "none"],
    ];
    writeFileSync(htmlPath, sweepReportHtml({ title: `Sweep of ${market}`, rows: res.rows, params, ranking, best, metric, minFills, facts }));
    if (args.json) {
      printJson({ market, metric, minFills, sample_seconds: ctx.config.equity_sample_seconds, threads, wallMs: res.wallMs, params: params.map((p) => ({ key: p.key, values: p.values })), ranking: ranking.order, qualified: ranking.qualified, rows: res.rows, csv: csvPath, html: htmlPath, data_quality: res.dataQuality });
    } else {
      console.log(summaryText(res.rows, params, ranking, best, metric, minFills));
      console.log(`\nSharpe/Sortino: ${sampleNote}`);
      console.log(`\nwrote ${csvPath}\nwrote ${htmlPath}\n${combos.length} runs in ${(res.wallMs / 1000).toFixed(1)} s on ${Math.min(threads, combos.length)} thread(s)`);
      const skipped = skippedPartsLine(res.dataQuality.skipped_parts);
      if (skipped) console.log(skipped);
    }
    // every run failed: the outputs list why, but the command did not do its job (scripts check the code)
    const failed = res.rows.filter((r) => r.error);
    if (failed.length === res.rows.length) throw new AppError(`sweep: all ${failed.length} runs failed (first: ${failed[0]!.error})`);
    return 0;
  },
});
