/**
 * Backtest benchmark, measured in one run and printed side by side:
 *   1. end to end (a child process per row, like the CLI: read Parquet → calibrate → simulate →
 *      write backtest_results.csv, fills.csv, summary.json, report.html; peak RSS of that process),
 *      with the repository's config.json (queue, every_update), on
 *        - real-shaped days (bench/support/day_data.ts: the real StandX recording tiled to 24 h,
 *          at its own trade rate and busy at ≈166k trades/day, written by our writer and by
 *          DuckDB) and three busy DuckDB-written days;
 *        - the synthetic day: 864,000 generated 20-level book rows at 10/s, ~40,000 trades, our
 *          writer (bench/.tmp/backtest-day/);
 *      and, for each data set, our read of the columns the backtest needs against DuckDB reading
 *      the same columns of the same files with 1 thread (bench/support/read_compare.ts);
 *   2. the core loop alone: events/s of the WASM core vs the TS reference on the same prepared data
 *      (cross and queue fill models, best of 5 for WASM, 1 run for TS), synthetic and real books.
 * Two core builds side by side: bench/support/core_ab.ts.
 * Targets (issue 12): a real-shaped busy day end to end ≤ 3 s with peak RSS < 1 GiB, three days
 * ≤ 8 s with flat memory, reads ≤ 2× DuckDB; core ≥ 20 M events/s.
 *
 * Usage: bun bench/backtest.ts [--fill-model queue|cross|strict] [--reps 3] [--skip-core]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule } from "../src/backtest/calibrate.ts";
import type { EventData } from "../src/sim/data.ts";
import { loadEventData } from "../src/backtest/load.ts";
import { runParamsFromConfig } from "../src/sim/params.ts";
import { runReferenceResult } from "../src/sim/run_reference.ts";
import { runBacktest } from "../src/backtest/run.ts";
import { backtestPaths, writeBacktestOutputs } from "../src/report/backtest_outputs.ts";
import { analyzeBacktest } from "../src/report/run_analysis.ts";
import { resolveMarket } from "../src/config/market.ts";
import { ConfigSchema, type Config } from "../src/config/schema.ts";
import { BacktestCore } from "../src/sim/core.ts";
import { engineOptionsFromConfig } from "../src/model/engine.ts";
import { allocBook, allocTrades } from "../src/storage/batch.ts";
import { orderbookPartName, partName, partsDir } from "../src/storage/layout.ts";
import { Side } from "../src/storage/types.ts";
import { writeBookPart, writeTradePart } from "../src/storage/parquet/index.ts";
import { loadConfig } from "../src/config/load.ts";
import { setLogLevel } from "../src/log.ts";
import { DAY_MARKET, dayDataDir, dayLabel, realDay, type DaySpec } from "./support/day_data.ts";
import { compareReads, duckConnection, warmUp } from "./support/read_compare.ts";

const MARKET = "BENCH-USD";
const DATA = join(import.meta.dir, ".tmp", "backtest-day");
const ROWS = 864_000, LEVELS = 20, PART = 25_000, TICK = 0.01;
const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : d;
};

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Generates the day part by part (constant memory) unless the cache is complete. */
async function generate(): Promise<void> {
  const done = join(DATA, ".complete");
  if (existsSync(done)) return;
  const bookDir = partsDir(DATA, MARKET, "orderbook"), tradeDir = partsDir(DATA, MARKET, "trades");
  mkdirSync(bookDir, { recursive: true });
  mkdirSync(tradeDir, { recursive: true });
  const r = rng(2024);
  const t0 = Date.UTC(2026, 0, 5);
  let b = 300_000; // best bid in ticks (3000.00)
  let part = 0, tpart = 0;
  let trades = allocTrades(MARKET, PART, true), nt = 0, tid = 0n;
  for (let start = 0; start < ROWS; start += PART, part++) {
    const n = Math.min(PART, ROWS - start);
    const bk = allocBook(MARKET, LEVELS, n);
    for (let i = 0; i < n; i++) {
      const k = start + i;
      const ts = t0 + k * 100;
      const u = r();
      b += u < 0.03 ? -1 : u > 0.97 ? 1 : 0;
      const a = b + 1 + (r() < 0.3 ? 1 : 0);
      bk.timestampMs[i] = ts;
      bk.seq[i] = BigInt(k);
      for (let l = 0; l < LEVELS; l++) {
        bk.bidPx[l]![i] = (b - l) / 100;
        bk.askPx[l]![i] = (a + l) / 100;
        bk.bidQty[l]![i] = Math.round(1 + r() * 40) / 10;
        bk.askQty[l]![i] = Math.round(1 + r() * 40) / 10;
      }
      if (r() < 0.0463) { // ≈ 40,000 trades over 864,000 rows
        const sell = r() < 0.5;
        const off = Math.floor(-Math.log(1 - r()) * 1.5);
        trades.timestampMs[nt] = ts + Math.floor(r() * 100);
        trades.price[nt] = (sell ? b - off : a + off) / 100;
        trades.quantity[nt] = Math.round(1 + r() * 30) / 100;
        trades.side[nt] = sell ? Side.sell : Side.buy;
        trades.tradeId![nt] = tid++;
        if (++nt === PART) {
          await writeTradePart(join(tradeDir, partName(trades.timestampMs[0]!, tpart++)), trades);
          trades = allocTrades(MARKET, PART, true);
          nt = 0;
        }
      }
    }
    await writeBookPart(join(bookDir, orderbookPartName(bk.timestampMs[0]!, bk.seq[0]!, part)), bk);
  }
  if (nt > 0) {
    trades.length = nt;
    await writeTradePart(join(tradeDir, partName(trades.timestampMs[0]!, tpart++)), trades);
  }
  writeFileSync(done, new Date().toISOString());
}

function config(fillModel: string) {
  return v.parse(ConfigSchema, {
    fill_model: fillModel, markets_config: { [MARKET]: { tick_size: TICK, lot_size: 0.001, max_inventory: 2, order_notional: 100 } },
  });
}

/** Child mode: one end-to-end run of `--data`/`--market` (`--repo-config`: config.json), timings and peak RSS as JSON. */
async function e2e(): Promise<void> {
  setLogLevel("error");
  const dataDir = arg("data", DATA), market = arg("market", MARKET);
  const cfg = process.argv.includes("--repo-config") ? loadConfig(join(import.meta.dir, "../config.json"), { required: true }).config : config(arg("fill-model", "queue"));
  const t0 = performance.now();
  const opts = { config: cfg, dataDir, market };
  const out = await runBacktest(opts);
  const a0 = performance.now();
  const analysis = await analyzeBacktest(out, opts);
  const w0 = performance.now();
  writeBacktestOutputs(out, analysis, backtestPaths(join(dataDir, "out", "backtest_results.csv"), dataDir, market));
  const timings = { ...out.timings, analysisMs: w0 - a0, writeMs: performance.now() - w0 };
  const wall = performance.now() - t0;
  console.log(JSON.stringify({ wall, timings, maxRssKiB: peakRssKiB(), events: out.events, fills: out.summary.total_fills, pnl: out.summary.final_pnl }));
}

/**
 * This process's peak RSS. Linux: VmHWM of /proc/self/status — getrusage's maxrss survives
 * fork + exec, so a child spawned by a large parent would report the parent's peak.
 */
function peakRssKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

interface E2E {
  wall: number;
  spawnMs: number;
  timings: { readMs: number; calibrateMs: number; coreMs: number; analysisMs: number; writeMs: number };
  maxRssKiB: number;
  events: { books: number; trades: number };
  fills: number;
}

function runChild(args: string[]): E2E {
  const s0 = performance.now();
  const child = Bun.spawnSync([process.execPath, import.meta.path, "--child", ...args], { stdout: "pipe", stderr: "inherit" });
  const spawnMs = performance.now() - s0;
  if (child.exitCode !== 0) throw new Error(`end-to-end child failed: ${args.join(" ")}`);
  return { ...JSON.parse(child.stdout.toString().trim().split("\n").pop()!), spawnMs };
}

async function main(): Promise<void> {
  const fillModel = arg("fill-model", "queue");
  const reps = Number(arg("reps", "3"));
  if (process.argv.includes("--child")) return e2e();
  const g0 = performance.now();
  const cached = existsSync(join(DATA, ".complete"));
  await generate();
  console.log(`synthetic data: ${DATA} (${cached ? "cached" : `generated in ${((performance.now() - g0) / 1000).toFixed(1)} s`})`);
  const days: (DaySpec & { dir: string })[] = [];
  for (const spec of [
    { writer: "ours", busy: false }, { writer: "duckdb", busy: false }, { writer: "ours", busy: true }, { writer: "duckdb", busy: true },
    { writer: "duckdb", busy: true, days: 3 },
  ] as DaySpec[]) days.push({ ...spec, dir: await realDay(spec) });

  // 1. end to end (fresh process per row) and reads against DuckDB, same run
  const duck = await duckConnection(1);
  await warmUp(duck, days[0]!.dir, DAY_MARKET);
  const rows: string[][] = [];
  const row = (label: string, e: E2E, read: { ours: number; duck: number; ratio: number; cpuRatio: number; load: number }) => {
    const mem = e.maxRssKiB / 1024;
    rows.push([
      label, e.events.books.toLocaleString("en-US"), e.events.trades.toLocaleString("en-US"), ms(e.wall), ms(e.timings.readMs), ms(e.timings.calibrateMs),
      ms(e.timings.coreMs), ms(e.timings.analysisMs), ms(e.timings.writeMs), `${mem.toFixed(0)} MiB`, ms(read.ours), ms(read.duck), `${read.ratio.toFixed(2)}×`, `${read.cpuRatio.toFixed(2)}×`, loadavg()[0]!.toFixed(1),
    ]);
  };
  for (const d of days) {
    const read = await compareReads(duck, d.dir, DAY_MARKET, reps);
    row(dayLabel(d), runChild(["--data", d.dir, "--market", DAY_MARKET, "--repo-config"]), read);
  }
  const synRead = await compareReads(duck, DATA, MARKET, reps);
  row(`synthetic day (fill_model ${fillModel}), our writer`, runChild(["--fill-model", fillModel]), synRead);
  console.log(`\nend to end (child process each; in-process wall, not counting process start) and reads (best of ${reps}, ours vs DuckDB 1 thread, alternating; wall and process CPU time):\n`);
  printTable(["data", "books", "trades", "end to end", "read", "calibrate", "core", "report analysis", "write", "peak RSS", "our read", "DuckDB read", "ours/DuckDB", "CPU ours/DuckDB", "load"], rows);
  console.log(`\n  targets: busy day end to end ≤ 3000 ms, RSS < 1024 MiB; 3 days ≤ 8000 ms, flat memory; reads ≤ 2× DuckDB. ${navigator.hardwareConcurrency} cores.`);
  if (process.argv.includes("--skip-core")) return;

  // 2. core loop alone, WASM vs TS reference on the same prepared data
  const synthetic = await loadEventData({ books: { dataDir: DATA, market: MARKET }, trades: { dataDir: DATA, market: MARKET }, funding: null, levels: LEVELS, tickSize: TICK });
  coreTable("synthetic day", synthetic.data, (fm, rq) => v.parse(ConfigSchema, { ...config(fm), requote: rq }), MARKET, 5);

  // the same loop on real books: the real StandX recording tiled to a day (bench/support/day_data.ts)
  const realDir = await dayDataDir();
  const real = await loadEventData({ books: { dataDir: realDir, market: DAY_MARKET }, trades: { dataDir: realDir, market: DAY_MARKET }, funding: null, levels: LEVELS, tickSize: 0.1 });
  const realCfg = (fm: string, rq: string) => v.parse(ConfigSchema, {
    fill_model: fm, requote: rq, markets_config: { [DAY_MARKET]: { tick_size: 0.1, lot_size: 0.0001, max_inventory: 0.05, order_notional: 500 } },
  });
  coreTable("real books (StandX BTC-USD 2 h × 12)", real.data, realCfg, DAY_MARKET, 5);
  console.log("  target ≥ 20 M events/s (core loop)");
}

function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => "| " + r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + w.map((x, i) => (i === 0 ? "-".repeat(x + 2) : "-".repeat(x + 1) + ":")).join("|") + "|");
  for (const r of rows) console.log(line(r));
}

/** Core-loop events/s, WASM (best of `rounds`) vs the TS reference (one run), every fill model × requote mode. */
function coreTable(label: string, d: EventData, cfg: (fm: string, rq: string) => Config, market: string, rounds: number): void {
  const events = d.nBooks + d.nTrades;
  const core = new BacktestCore();
  const p0 = performance.now();
  core.prepare(d);
  const prepMs = performance.now() - p0;
  console.log(`\ncore loop, ${label}: ${events.toLocaleString()} events; prepare (copy into core memory, ${(core.dataBytes / 2 ** 20).toFixed(0)} MiB) ${ms(prepMs)} once per sweep`);
  console.log(`  fill model / requote        WASM best of ${rounds}     M events/s   TS reference     M events/s   TS/WASM`);
  const s = buildSchedule(d, engineOptionsFromConfig(cfg("queue", "every_update"))); // calibration settings are shared
  for (const fm of ["cross", "queue"]) {
    for (const rq of ["every_update", "on_recalibration"]) {
      const c = cfg(fm, rq);
      const p = runParamsFromConfig(c, resolveMarket(c, market));
      let best = Infinity, fills = 0;
      for (let k = 0; k < rounds; k++) {
        const r = core.run(s, p);
        best = Math.min(best, r.coreMs);
        fills = r.fills.ts.length;
      }
      const t0 = performance.now();
      const ref = runReferenceResult(d, s, p);
      const tsMs = performance.now() - t0;
      if (ref.fills.ts.length !== fills) throw new Error("WASM and TS disagree");
      const meps = (x: number) => (events / (x / 1000) / 1e6).toFixed(1);
      console.log(`  ${`${fm} / ${rq}`.padEnd(28)}${ms(best).padStart(10)}${meps(best).padStart(16)}${ms(tsMs).padStart(15)}${meps(tsMs).padStart(15)}${(tsMs / best).toFixed(1).padStart(10)}   (${fills} fills)`);
    }
  }
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
await main();
