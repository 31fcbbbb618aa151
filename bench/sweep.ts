/**
 * Sweep throughput over a real-shaped busy day (bench/support/day_data.ts: the real 2-hour StandX
 * recording tiled to 24 h, ≈166k trades, DuckDB-written parts), 72 configurations each, on 1 worker
 * and on N workers in the same run:
 *   A. the original's 2-D grid, horizon (6) × γ (12): one calibration shared by every run;
 *   B. calibration window (6) × γ (12): six calibrations, spread over the workers.
 * Prints wall times, the split (read / first calibration / per simulation), runs/s and the
 * speed-up, next to what the machine gives right now (a busy-loop probe on the same workers).
 *   bun bench/sweep.ts [--runs 72]        (N = available cores; BENCH_THREADS=4 to override)
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { ConfigSchema } from "../src/config/schema.ts";
import { setLogLevel } from "../src/log.ts";
import { combinations, parseParam, type SweepParam } from "../src/sweep/grid.ts";
import { resultsCsv } from "../src/sweep/output.ts";
import { runPool } from "../src/sweep/pool.ts";
import { rank } from "../src/sweep/rank.ts";
import { DAY_MARKET, realDay } from "./support/day_data.ts";

setLogLevel("warn");
const { values } = parseArgs({ options: { runs: { type: "string", default: "72" } } });
const dataDir = await realDay({ writer: "duckdb", busy: true });
const config = v.parse(ConfigSchema, {});
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
const source = { dataDir, market: DAY_MARKET };
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** What the machine gives right now: the same fixed CPU work on 1 worker and on n workers at once. */
async function probe(n: number): Promise<number> {
  const spin = (k: number) => {
    const t0 = performance.now();
    return Promise.all(
      Array.from({ length: k }, () => new Promise<void>((res) => {
        const w = new Worker(new URL("./support/spin_worker.ts", import.meta.url).href);
        w.onmessage = () => (w.terminate(), res());
        w.postMessage(2e8);
      })),
    ).then(() => performance.now() - t0);
  };
  const one = await spin(1);
  return (n * one) / (await spin(n));
}

async function grid(label: string, params: SweepParam[]): Promise<void> {
  const combos = combinations(params).slice(0, Number(values.runs));
  console.log(`\n${label}: ${combos.length} configurations over a busy real-shaped day of ${DAY_MARKET} (267,516 book rows, ≈166k trades)`);
  const res: { wallMs: number; csv: string }[] = [];
  for (const t of [1, threads]) {
    const r = await runPool({ source, config, keys: params.map((p) => p.key), combos, threads: t });
    res.push({ wallMs: r.wallMs, csv: resultsCsv(r.rows, params, rank(r.rows, "sharpe", 5)) });
    console.log(
      `  ${String(t).padStart(2)} thread(s): ${s(r.wallMs)} wall = read ${s(r.loadMs)} + shared calibration ${s(r.calibrateMs)} (main thread, only when calibrations < workers) ` +
        `+ runs (${s(r.runMs / combos.length)} each on average, incl. any further calibration); ${(combos.length / (r.wallMs / 1000)).toFixed(2)} runs/s`,
    );
  }
  const available = await probe(threads);
  console.log(`  speed-up ${threads} vs 1 thread: ${(res[0].wallMs / res[1].wallMs).toFixed(2)}× wall (ideal ${threads}×; a busy loop gets ${available.toFixed(2)}× right now, load average ${loadavg()[0].toFixed(1)}); tables identical: ${res[0].csv === res[1].csv}`);
  if (res[0].csv !== res[1].csv) process.exitCode = 1;
}

await grid("A. horizon × γ (one shared calibration)", [parseParam("inventory_horizon_seconds=300,900,1800,3600,7200,14400"), parseParam("risk_aversion_gamma=0.01:100:12:log")]);
await grid("B. calibration window × γ (six calibrations)", [parseParam("calibration_window_seconds=600,1200,1800,2400,3000,3600"), parseParam("risk_aversion_gamma=0.01:100:12:log")]);
