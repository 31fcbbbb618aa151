/**
 * Side-by-side timing of two builds of the WASM core on the same prepared data, alternating runs
 * (this machine's speed drifts by up to 3× between runs; alternating keeps the comparison fair),
 * and a bit-for-bit check that both builds give the same results (fills, samples, rows, scalars).
 *
 *   bun bench/support/core_ab.ts old.wasm new.wasm [--rounds 9] [--data synthetic|real] [--configs queue,cross,...] [--set '{"margin_model":"none"}'] [--clock wall|cpu]
 *
 * Get the old build from a worktree:
 *   git worktree add /tmp/old <rev> && (cd /tmp/old/wasm && "$PWD/../../<checkout>/node_modules/.bin/asc" --config asconfig.json --target release)
 * `--data synthetic` is bench/backtest.ts's day (run that bench once to generate it); `real` is the
 * shared StandX recording tiled to a day (bench/support/day_data.ts).
 * Config names: cross | strict | queue, suffix -rc for requote on_recalibration, -risk for the
 * risk-averse queue model. `--clock cpu` times each run by the process's CPU time (user + system,
 * around the whole run call) instead of the wall clock: on a machine shared by more busy
 * processes than cores, wall time mostly measures waiting. `--set` merges config keys into every configuration (e.g. to compare a
 * build without a feature against one with it switched off, so the results must still be identical).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import type { RunResult } from "../../src/sim/layout.ts";
import { loadEventData } from "../../src/backtest/load.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { BacktestCore } from "../../src/sim/core.ts";
import type { CoreExports } from "../../src/core/wasm.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { DAY_MARKET, dayDataDir } from "./day_data.ts";

const argv = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : d;
};
const files = argv.filter((a, i) => !a.startsWith("--") && !(i > 0 && argv[i - 1]!.startsWith("--")));
if (files.length !== 2) {
  console.error("usage: bun bench/support/core_ab.ts old.wasm new.wasm [--rounds N] [--data synthetic|real] [--configs a,b]");
  process.exit(2);
}
const rounds = Number(opt("rounds", "9"));
const real = opt("data", "synthetic") === "real";
const cpuClock = opt("clock", "wall") === "cpu";

/** A BacktestCore running the given build instead of the embedded one. */
function coreFrom(path: string): BacktestCore {
  const core = new BacktestCore();
  const abort = () => {
    throw new Error(`${path}: wasm core aborted`);
  };
  const exports = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { abort, seed: () => 0 } }).exports;
  (core as unknown as { c: CoreExports }).c = exports as unknown as CoreExports;
  return core;
}

const market = real ? DAY_MARKET : "BENCH-USD";
const tick = real ? 0.1 : 0.01;
const dataDir = real ? await dayDataDir() : join(import.meta.dir, "..", ".tmp", "backtest-day");
if (!real && !existsSync(join(dataDir, ".complete"))) {
  console.error(`${dataDir}: not generated yet; run bun bench/backtest.ts once`);
  process.exit(2);
}
const cores = files.map(coreFrom);
const { data } = await loadEventData({ books: { dataDir, market }, trades: { dataDir, market }, funding: null, levels: 20, tickSize: tick });
for (const c of cores) c.prepare(data);
const events = data.nBooks + data.nTrades;
const marketCfg = real
  ? { [market]: { tick_size: tick, lot_size: 0.0001, max_inventory: 0.05, order_notional: 500 } }
  : { [market]: { tick_size: tick, lot_size: 0.001, max_inventory: 2, order_notional: 100 } };
const schedule = buildSchedule(data, engineOptionsFromConfig(v.parse(ConfigSchema, { markets_config: marketCfg })));

/** Throws at the first value that differs (Object.is: NaN equals NaN, 0 differs from −0). */
function same(a: unknown, b: unknown, path: string): void {
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<number>, y = b as ArrayLike<number>;
    if (x.length !== y.length) throw new Error(`${path}: length ${x.length} vs ${y.length}`);
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) throw new Error(`${path}[${i}]: ${x[i]} vs ${y[i]}`);
  } else if (a && typeof a === "object") {
    for (const k of Object.keys(a)) if (k !== "coreMs") same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else if (!Object.is(a, b)) throw new Error(`${path}: ${a} vs ${b}`);
}

console.log(`${real ? "real (StandX tiled to a day)" : "synthetic day"}: ${events.toLocaleString()} events, best of ${rounds} alternating runs (${cpuClock ? "CPU time of the whole run call" : "wall time of the core"})`);
console.log(`  config        ${files[0]}   vs   ${files[1]}`);
for (const name of opt("configs", "queue,cross,queue-rc,cross-rc,queue-risk,strict").split(",")) {
  const over: Record<string, string> = { fill_model: name.split("-")[0]! };
  if (name.includes("-rc")) over.requote = "on_recalibration";
  if (name.includes("-risk")) over.queue_model = "risk_averse";
  const c = v.parse(ConfigSchema, { markets_config: marketCfg, ...JSON.parse(opt("set", "{}")), ...over });
  const p = runParamsFromConfig(c, resolveMarket(c, market));
  const best = [Infinity, Infinity];
  const last: (RunResult & { coreMs: number })[] = [];
  for (let k = 0; k < rounds; k++) {
    for (let j = 0; j < 2; j++) {
      const c0 = process.cpuUsage();
      const r = cores[j]!.run(schedule, p);
      const cpu = process.cpuUsage(c0);
      best[j] = Math.min(best[j]!, cpuClock ? (cpu.user + cpu.system) / 1000 : r.coreMs);
      last[j] = r;
    }
  }
  same(last[0], last[1], name);
  const meps = (ms: number) => `${(events / ms / 1000).toFixed(1)} M/s`;
  console.log(
    `  ${name.padEnd(12)}${best[0]!.toFixed(1).padStart(7)} ms ${meps(best[0]!).padStart(11)}  |${best[1]!.toFixed(1).padStart(7)} ms ${meps(best[1]!).padStart(11)}` +
      `   old/new ${(best[0]! / best[1]!).toFixed(2)}×   ${last[0]!.fills.ts.length} fills, results identical`,
  );
}
