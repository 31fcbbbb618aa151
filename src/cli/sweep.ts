import { defineCommand } from "citty";
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { AppError, UsageError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import type { DataQuality } from "../sim/data.ts";
import { isObjectUrl, joinKey, openObjectStore, type ObjectStore } from "../storage/object_store.ts";
import { combinations, parseParam, sweepBaseConfig, validateParams, type SweepParam } from "../sweep/grid.ts";
import { resultsCsv, summaryText } from "../sweep/output.ts";
import { runPool } from "../sweep/pool.ts";
import { bestPerValue, rank, RANK_METRICS, type RankMetric, type SweepRow } from "../sweep/rank.ts";
import { sweepReportHtml } from "../sweep/report_html.ts";
import { encodeShard, mergeShards, parseShard, SHARD_DIR, shardFileName, shardIndices } from "../sweep/shard.ts";
import { progressBar } from "../report/progress.ts";
import { commonArgs, jsonArg, numberArg, printJson, progressArg, repeatedFlag, setup, skipBadPartsArg, skippedPartsLine, stageInputs, timeArg, timeRangeArgs, type CommandContext } from "./common.ts";

export default defineCommand({
  meta: { name: "sweep", description: "Run a parallel parameter sweep of the backtest; 'sweep merge --out …' joins the shards of a sharded one" },
  args: {
    ...commonArgs,
    ...jsonArg,
    ...progressArg,
    param: { type: "string", description: "key=a:b:n[:log] or key=v1,v2,... (repeat for more dimensions)", valueHint: "spec" },
    market: { type: "string", description: "Market (default: the first configured market)", valueHint: "name" },
    orderbook: { type: "string", description: "Order-book data (file, directory or s3:// prefix) instead of the data-dir layout", valueHint: "path" },
    trades: { type: "string", description: "Trade data (file, directory or s3:// prefix) instead of the data-dir layout", valueHint: "path" },
    ...timeRangeArgs,
    ...skipBadPartsArg,
    threads: { type: "string", description: "Worker threads (default: num_threads, else one per core)", valueHint: "n" },
    rank: { type: "string", description: "sharpe|pnl|sortino|return_over_drawdown (default sharpe)", valueHint: "metric" },
    "min-fills": { type: "string", description: "Runs with fewer fills are not ranked (default 5)", valueHint: "n" },
    out: { type: "string", description: "Output directory or s3:// prefix (default sweep-output)", valueHint: "dir" },
    shard: { type: "string", description: "Run only shard i of n of the grid and write shards/shard_i_of_n.json to --out (then 'sweep merge')", valueHint: "i/n" },
    shards: { type: "string", description: "Shard count; the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)", valueHint: "n" },
  },
  async run({ args, rawArgs }) {
    const positional = (args._ ?? []) as string[];
    if (positional[0] === "merge") return merge(args, rawArgs);
    if (positional.length > 0) throw new UsageError(`sweep: unexpected argument ${JSON.stringify(positional[0])} (the only subcommand is 'merge')`);
    const ctx = setup(args, rawArgs);
    const specs = repeatedFlag(rawArgs, "param");
    if (specs.length === 0) throw new UsageError("sweep: give at least one --param key=...");
    const params = specs.map(parseParam);
    validateParams(ctx.config, params);
    const { metric, minFills } = rankArgs(args);
    const threads = numberArg("threads", args.threads, { min: 1, integer: true }) ?? ctx.config.num_threads ?? availableParallelism();
    const market = args.market ?? ctx.config.markets[0];
    if (!market) throw new UsageError("sweep: no --market and no market in the config");
    if (params.some((p) => p.key === "risk_aversion_gamma") && ctx.config.gamma_mode !== "constant") {
      log.warn(`sweeping risk_aversion_gamma with gamma_mode=${ctx.config.gamma_mode}: γ is only used as given in gamma_mode=constant`);
    }
    const shard = parseShard(args.shard, args.shards, process.env);
    const grid = combinations(params);
    const picked = shard ? shardIndices(grid.length, shard) : grid.map((_, k) => k);
    if (picked.length === 0) throw new UsageError(`--shard ${shard!.index}/${shard!.count}: the grid has only ${grid.length} combination(s), this shard has none`);
    const combos = picked.map((k) => grid[k]!);
    const out = outputAt(args.out);
    const fromMs = timeArg("from", args.from);
    const toMs = timeArg("to", args.to);
    if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) throw new UsageError("--from must be before --to");
    await stageInputs(ctx, market, args, { fromMs, toMs }, "");
    log.info(`sweep${shard ? ` shard ${shard.index}/${shard.count}` : ""}: ${combos.length} runs of ${market} on ${Math.min(threads, combos.length)} thread(s): ${params.map((p) => `${p.key} (${p.values.length})`).join(" × ")}`);

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
        if (row.error) log.warn(`run ${picked[row.index]} (${params.map((p, i) => `${p.key}=${row.values[i]}`).join(", ")}) failed: ${row.error}`);
        else if (bar.active) bar.update("sweep", done / total, `${done}/${total} runs`);
        else if (done % every === 0 || done === total) log.info(`[${done}/${total}] done`);
      },
    });
    bar.done();
    // rows in the numbering of the whole grid
    const rows = res.rows.map((r) => ({ ...r, index: picked[r.index]! }));
    const timings = { wallMs: res.wallMs, loadMs: res.loadMs, calibrateMs: res.calibrateMs, runMs: res.runMs };
    const used = Math.min(threads, combos.length);
    if (shard) {
      const key = joinKey(out.prefix, SHARD_DIR, shardFileName(shard));
      await out.store.write(key, encodeShard({ shard: shard.index, shards: shard.count, market, grid: grid.length, params, rows, dataQuality: res.dataQuality, threads: used, timings }));
      const where = `${out.label}/${SHARD_DIR}/${shardFileName(shard)}`;
      if (args.json) printJson({ market, shard: shard.index, shards: shard.count, runs: rows.length, file: where, wallMs: res.wallMs, data_quality: res.dataQuality });
      else console.log(`wrote ${where}: ${rows.length} of ${grid.length} runs in ${(res.wallMs / 1000).toFixed(1)} s (merge the shards with 'sweep merge --out ${args.out ?? "sweep-output"}')`);
      failIfAllFailed(rows);
      return 0;
    }
    const wall = `${(res.wallMs / 1000).toFixed(1)} s: data read ${(res.loadMs / 1000).toFixed(1)} s and shared calibration ${(res.calibrateMs / 1000).toFixed(1)} s, then ${(res.runMs / combos.length / 1000).toFixed(3)} s per run`;
    await writeSweep(ctx, out, { market, params, rows, metric, minFills, dataQuality: res.dataQuality, threads: used, wall, wallMs: res.wallMs, json: args.json });
    return 0;
  },
});

interface RankArgs {
  rank?: string;
  "min-fills"?: string;
}

function rankArgs(args: RankArgs): { metric: RankMetric; minFills: number } {
  const metric = (args.rank ?? "sharpe") as RankMetric;
  if (!RANK_METRICS.includes(metric)) throw new UsageError(`--rank: expected ${RANK_METRICS.join("|")}, got ${JSON.stringify(args.rank)}`);
  return { metric, minFills: numberArg("min-fills", args["min-fills"], { min: 0, integer: true }) ?? 5 };
}

interface Output {
  store: ObjectStore;
  prefix: string;
  /** The location as the user gave it, resolved (for messages). */
  label: string;
}

/** --out as a store and prefix; a local directory is created before the runs (a bad path must not cost the whole grid). */
function outputAt(flag: string | undefined): Output {
  const given = flag ?? "sweep-output";
  if (isObjectUrl(given)) {
    const { store, prefix } = openObjectStore(given);
    return { store, prefix, label: given.replace(/\/+$/, "") };
  }
  const dir = resolve(given);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new AppError(`--out ${dir}: cannot create (${describeError(e)})`);
  }
  return { ...openObjectStore(dir), label: dir };
}

/** Every run failed: the outputs list why, but the command did not do its job (scripts check the code). */
function failIfAllFailed(rows: SweepRow[]): void {
  const failed = rows.filter((r) => r.error);
  if (failed.length === rows.length) throw new AppError(`sweep: all ${failed.length} runs failed (first: ${failed[0]!.error})`);
}

interface SweepResult {
  market: string;
  params: SweepParam[];
  rows: SweepRow[];
  metric: RankMetric;
  minFills: number;
  dataQuality: DataQuality;
  threads: number | string;
  wall: string;
  wallMs: number;
  json?: boolean;
}

/** Ranking, sweep_results.csv, sweep_report.html and the summary: the same for one machine and for merged shards. */
async function writeSweep(ctx: CommandContext, out: Output, r: SweepResult): Promise<void> {
  const ranking = rank(r.rows, r.metric, r.minFills);
  const best = bestPerValue(r.rows, r.params, ranking);
  const csvPath = `${out.label}/sweep_results.csv`;
  const htmlPath = `${out.label}/sweep_report.html`;
  await out.store.write(joinKey(out.prefix, "sweep_results.csv"), resultsCsv(r.rows, r.params, ranking));
  const sampleNote = `annualised from equity sampled every ${ctx.config.equity_sample_seconds} s (equity_sample_seconds)`;
  const facts: [string, string][] = [
    ["market", r.market],
    ["runs", String(r.rows.length)],
    ["threads", String(r.threads)],
    ["wall time", r.wall],
    ["ranked by", `${r.metric}, min fills ${r.minFills}`],
    ["Sharpe/Sortino", sampleNote],
    ["parameters", r.params.map((p) => p.spec).join("  ")],
    ["skipped parts", r.dataQuality.skipped_parts.map((x) => `${x.file} (${x.reason})`).join("; ") || "none"],
  ];
  await out.store.write(joinKey(out.prefix, "sweep_report.html"), sweepReportHtml({ title: `Sweep of ${r.market}`, rows: r.rows, params: r.params, ranking, best, metric: r.metric, minFills: r.minFills, facts }));
  if (r.json) {
    printJson({ market: r.market, metric: r.metric, minFills: r.minFills, sample_seconds: ctx.config.equity_sample_seconds, threads: r.threads, wallMs: r.wallMs, params: r.params.map((p) => ({ key: p.key, values: p.values })), ranking: ranking.order, qualified: ranking.qualified, rows: r.rows, csv: csvPath, html: htmlPath, data_quality: r.dataQuality });
  } else {
    console.log(summaryText(r.rows, r.params, ranking, best, r.metric, r.minFills));
    console.log(`\nSharpe/Sortino: ${sampleNote}`);
    console.log(`\nwrote ${csvPath}\nwrote ${htmlPath}\n${r.rows.length} runs in ${(r.wallMs / 1000).toFixed(1)} s on ${r.threads} thread(s)`);
    const skipped = skippedPartsLine(r.dataQuality.skipped_parts);
    if (skipped) console.log(skipped);
  }
  failIfAllFailed(r.rows);
}

/** `sweep merge --out …`: the shards under --out/shards/ → the one-machine sweep's outputs. */
async function merge(args: { config?: string; "data-dir"?: string; "log-level"?: string; out?: string; json?: boolean } & RankArgs & Record<string, unknown>, rawArgs: string[]): Promise<number> {
  const ctx = setup(args, rawArgs);
  for (const k of ["param", "shard", "shards", "orderbook", "trades", "from", "to", "threads", "market"]) {
    if (args[k] !== undefined) throw new UsageError(`sweep merge: --${k} belongs to the shard runs, not to merge`);
  }
  if (args.out === undefined) throw new UsageError("sweep merge: give --out, the directory or s3:// prefix the shards wrote to");
  const { metric, minFills } = rankArgs(args);
  const out = outputAt(args.out);
  const dir = joinKey(out.prefix, SHARD_DIR);
  const keys = (await out.store.list(`${dir}/`)).filter((o) => /\/shard_\d+_of_\d+\.json$/.test(o.key));
  const files = await Promise.all(keys.map(async (o) => ({ name: o.key.slice(o.key.lastIndexOf("/") + 1), text: new TextDecoder().decode(await out.store.read(o.key)) })));
  const m = mergeShards(files, `${out.label}/${SHARD_DIR}`);
  const wallMs = Math.max(...m.shards.map((s) => s.timings.wallMs));
  const wall = `${(wallMs / 1000).toFixed(1)} s for the slowest of ${m.shards.length} shards (${(m.shards.reduce((a, s) => a + s.timings.wallMs, 0) / 1000).toFixed(1)} s in all)`;
  const threads = `${m.shards.reduce((a, s) => a + s.threads, 0)} in ${m.shards.length} shards`;
  await writeSweep(ctx, out, { market: m.market, params: m.params, rows: m.rows, metric, minFills, dataQuality: m.dataQuality, threads, wall, wallMs, json: args.json });
  return 0;
}
