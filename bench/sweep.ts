/**
 * Sweep throughput: the original's 2-D grid (6 horizons × 12 γ = 72 configurations) over a day of
 * data (bench/support/day_data.ts), on 1 worker and on N workers in the same run; prints wall
 * times, runs/s and the speed-up. N = available cores (override: BENCH_THREADS=4).
 *   bun bench/sweep.ts [--runs 72]
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { ConfigSchema } from "../src/config/schema.ts";
import { setLogLevel } from "../src/log.ts";
import { combinations, parseParam } from "../src/sweep/grid.ts";
import { resultsCsv } from "../src/sweep/output.ts";
import { runPool } from "../src/sweep/pool.ts";
import { rank } from "../src/sweep/rank.ts";
import { DAY_MARKET, dayDataDir } from "./support/day_data.ts";

setLogLevel("warn");
const { values } = parseArgs({ options: { runs: { type: "string", default: "72" } } });
const dataDir = await dayDataDir();
const config = v.parse(ConfigSchema, {});
const params = [parseParam("inventory_horizon_seconds=300,900,1800,3600,7200,14400"), parseParam("risk_aversion_gamma=0.01:100:12:log")];
const combos = combinations(params).slice(0, Number(values.runs));
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
const source = { dataDir, market: DAY_MARKET };

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
  const many = await spin(n);
  return (n * one) / many;
}

console.log(`sweep bench: ${combos.length} configurations (horizon × γ) over a day of ${DAY_MARKET} (267,516 book rows, 74,208 trades)`);
const results: { threads: number; wallMs: number; setupMs: number; csv: string }[] = [];
for (const t of [1, threads]) {
  const r = await runPool({ source, config, keys: params.map((p) => p.key), combos, threads: t });
  const csv = resultsCsv(r.rows, params, rank(r.rows, "sharpe", 5));
  results.push({ threads: t, wallMs: r.wallMs, setupMs: r.loadMs + r.calibrateMs + r.prepareMs, csv });
  console.log(
    `  ${String(t).padStart(2)} thread(s): ${(r.wallMs / 1000).toFixed(2)} s wall = read ${(r.loadMs / 1000).toFixed(2)} s + calibration ${(r.calibrateMs / 1000).toFixed(2)} s (once) + worker start ${(r.prepareMs / 1000).toFixed(2)} s, ` +
      `then ${(r.runMs / combos.length / 1000).toFixed(3)} s per simulation; ${(combos.length / (r.wallMs / 1000)).toFixed(2)} runs/s; load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`,
  );
}
const available = await probe(threads);
console.log(`  machine right now: ${threads} busy-loop workers get ${available.toFixed(2)}× the throughput of one (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`);
const [one, many] = results;
// Amdahl: reading and the first calibration happen once, before the workers start; only the
// simulations are shared out. The simulation phase alone shows how well they parallelise.
const simWall = (r: (typeof results)[number]) => r.wallMs - r.setupMs;
console.log(`  simulation phase: ${(simWall(one) / 1000).toFixed(2)} s on 1 thread vs ${(simWall(many) / 1000).toFixed(2)} s on ${threads}: ${(simWall(one) / simWall(many)).toFixed(2)}×`);
console.log(`  speed-up ${threads} vs 1 thread: ${(one.wallMs / many.wallMs).toFixed(2)}× wall (ideal ${threads}×, ${available.toFixed(2)}× available right now); tables identical: ${one.csv === many.csv}`);
if (one.csv !== many.csv) process.exit(1);
