/**
 * Backtest benchmark: one day of one market at 10 book rows/s with 20 levels per side (864,000
 * rows) plus ~40,000 trades, generated once to Parquet parts under bench/.tmp/backtest-day/.
 *
 * Measured in one run, printed side by side:
 *   1. end to end (child process, like the CLI): read Parquet → calibrate → simulate → write
 *      backtest_results.csv, fills.csv, summary.json, report.html; peak RSS of that process;
 *   2. the core loop alone: events/s of the WASM core vs the TS reference on the same prepared data
 *      (cross and queue fill models, best of 5 for WASM, 1 run for TS);
 *   3. the same on real books: the real StandX recording tiled to a day (bench/support/day_data.ts).
 * Two core builds side by side: bench/support/core_ab.ts.
 * Targets (issue 5): end to end < 5 s, core ≥ 20 M events/s, memory < 1 GiB.
 *
 * Usage: bun bench/backtest.ts [--fill-model queue|cross|strict]
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule } from "../src/backtest/calibrate.ts";
import type { EventData } from "../src/sim/data.ts";
import { loadEventData } from "../src/backtest/load.ts";
import { runParamsFromConfig } from "../src/sim/params.ts";
import { runReferenceResult } from "../src/sim/run_reference.ts";
import { runBacktest } from "../src/backtest/run.ts";
import { backtestPaths, writeBacktestOutputs } from "../src/report/backtest_outputs.ts";
import { resolveMarket } from "../src/config/market.ts";
import { ConfigSchema, type Config } from "../src/config/schema.ts";
import { BacktestCore } from "../src/sim/core.ts";
import { engineOptionsFromConfig } from "../src/model/engine.ts";
import { allocBook, allocTrades } from "../src/storage/batch.ts";
import { orderbookPartName, partName, partsDir } from "../src/storage/layout.ts";
import { Side } from "../src/storage/types.ts";
import { writeBookPart, writeTradePart } from "../src/storage/parquet/index.ts";
import { DAY_MARKET, dayDataDir } from "./support/day_data.ts";

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

/** Child mode: one end-to-end run, report timings and peak RSS as JSON. */
async function e2e(fillModel: string): Promise<void> {
  const t0 = performance.now();
  const out = await runBacktest({ config: config(fillModel), dataDir: DATA, market: MARKET });
  const w0 = performance.now();
  writeBacktestOutputs(out, backtestPaths(join(DATA, "out", "backtest_results.csv"), DATA, MARKET));
  const timings = { ...out.timings, writeMs: performance.now() - w0 };
  const wall = performance.now() - t0;
  const ru = process.resourceUsage();
  console.log(JSON.stringify({ wall, timings, maxRssKiB: ru.maxRSS, events: out.events, fills: out.summary.total_fills, pnl: out.summary.final_pnl }));
}

async function main(): Promise<void> {
  const fillModel = arg("fill-model", "queue");
  if (process.argv.includes("--child")) return e2e(fillModel);
  const g0 = performance.now();
  const cached = existsSync(join(DATA, ".complete"));
  await generate();
  console.log(`data: ${DATA} (${cached ? "cached" : `generated in ${((performance.now() - g0) / 1000).toFixed(1)} s`})`);

  // 1. end to end in a fresh process (process start included in `wall (spawn)`)
  const s0 = performance.now();
  const child = Bun.spawnSync([process.execPath, import.meta.path, "--child", "--fill-model", fillModel], { stdout: "pipe", stderr: "inherit" });
  const spawnMs = performance.now() - s0;
  if (child.exitCode !== 0) throw new Error("end-to-end child failed");
  const e = JSON.parse(child.stdout.toString().trim().split("\n").pop()!);
  const mem = e.maxRssKiB / 1024;
  console.log(`\nend to end (fill_model ${fillModel}): ${e.events.books.toLocaleString()} books + ${e.events.trades.toLocaleString()} trades, ${e.fills} fills`);
  console.log(`  read ${ms(e.timings.readMs)}  calibrate ${ms(e.timings.calibrateMs)}  simulate ${ms(e.timings.simulateMs)} (core ${ms(e.timings.coreMs)})  write ${ms(e.timings.writeMs)}`);
  console.log(`  total in-process ${ms(e.wall)}   with process start ${ms(spawnMs)}   target < 5000 ms → ${e.wall < 5000 ? "MET" : "NOT MET"}`);
  console.log(`  peak RSS ${mem.toFixed(0)} MiB   target < 1024 MiB → ${mem < 1024 ? "MET" : "NOT MET"}`);

  // 2. core loop alone, WASM vs TS reference on the same prepared data
  const synthetic = await loadEventData({ books: { dataDir: DATA, market: MARKET }, trades: { dataDir: DATA, market: MARKET }, funding: null, levels: LEVELS, tickSize: TICK });
  coreTable("synthetic day", synthetic.data, (fm, rq) => v.parse(ConfigSchema, { ...config(fm), requote: rq }), MARKET, 5);

  // 3. the same loop on real books: the real StandX recording tiled to a day (bench/support/day_data.ts)
  const realDir = await dayDataDir();
  const real = await loadEventData({ books: { dataDir: realDir, market: DAY_MARKET }, trades: { dataDir: realDir, market: DAY_MARKET }, funding: null, levels: LEVELS, tickSize: 0.1 });
  const realCfg = (fm: string, rq: string) => v.parse(ConfigSchema, {
    fill_model: fm, requote: rq, markets_config: { [DAY_MARKET]: { tick_size: 0.1, lot_size: 0.0001, max_inventory: 0.05, order_notional: 500 } },
  });
  coreTable("real books (StandX BTC-USD 2 h × 12)", real.data, realCfg, DAY_MARKET, 5);
  console.log("  target ≥ 20 M events/s (core loop)");
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
