/**
 * Runs sweep combinations on Bun workers. The market data are read once and shared
 * (SharedArrayBuffer); each worker copies them into its WASM core once, then takes
 * combinations one at a time from a shared queue (dynamic scheduling: fast and slow runs balance
 * out; combinations that share a calibration go to the worker that already holds it, affinity.ts).
 * Results are stored by combination index, so the outcome does not depend on the thread count or
 * on which worker finished first.
 */
import { buildScheduleParallel, type CalibratedSchedule } from "../backtest/calibrate.ts";
import { workerEntry } from "../backtest/worker_entry.ts";
import type { Config } from "../config/schema.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import { AffinityQueue } from "./affinity.ts";
import { loadSweepData, scheduleKey, shareArrays } from "./engine.ts";
import { AppError } from "../errors.ts";
import type { DataQuality } from "../sim/data.ts";
import { log } from "../log.ts";
import type { FromWorker, SweepSource, ToWorker } from "./protocol.ts";
import type { SweepRow } from "./rank.ts";

export interface PoolOptions {
  source: SweepSource;
  config: Config;
  keys: string[];
  combos: number[][];
  threads: number;
  onResult?: (row: SweepRow, done: number, total: number) => void;
}

export interface PoolResult {
  rows: SweepRow[];
  /** Input defects of the shared data set (bad and duplicate trades, skipped parts, ...). */
  dataQuality: DataQuality;
  /** Reading the data (once). */
  loadMs: number;
  /** Calibrating the first combination in the main thread (only when calibrations < workers). */
  calibrateMs: number;
  /** Slowest worker's copy of the data into its WASM core. */
  prepareMs: number;
  /** Sum of the times of all runs in the workers (including calibrations they computed). */
  runMs: number;
  wallMs: number;
}

function applyValues(base: Config, keys: string[], values: number[]): Config {
  const c: Config = { ...base };
  keys.forEach((k, i) => ((c as Record<string, unknown>)[k] = values[i]));
  return c;
}

export async function runPool(opts: PoolOptions): Promise<PoolResult> {
  const t0 = performance.now();
  // Read once, here; the workers share the data.
  const loaded = await loadSweepData(opts.source, opts.config);
  const data = shareArrays(loaded.data);
  const t1 = performance.now();
  const total = opts.combos.length;
  const rows: SweepRow[] = new Array(total);
  const threads = Math.max(1, Math.min(opts.threads, total));
  const groups = opts.combos.map((c) => scheduleKey(applyValues(opts.config, opts.keys, c)));
  // With fewer calibrations than workers, calibrate the first one once here and share it (else
  // every worker would compute it), its GARCH fits on a thread of their own while the sweep's
  // workers are not running yet; with more, each worker calibrates its own groups in parallel.
  const schedules: [string, CalibratedSchedule][] = [];
  if (new Set(groups).size < threads) {
    const first = applyValues(opts.config, opts.keys, opts.combos[0]);
    schedules.push([groups[0], shareArrays(await buildScheduleParallel(data, engineOptionsFromConfig(first)))]);
  }
  const t2 = performance.now();
  log.debug(`sweep data: ${data.nBooks} book rows, ${data.nTrades} trades read in ${(t1 - t0).toFixed(0)} ms; shared calibration ${(t2 - t1).toFixed(0)} ms`);
  // A calibration's cost grows with its window (the rolling GARCH fit dominates it).
  const calibrationCost = (key: string) => (JSON.parse(key) as { windowMs: number }).windowMs;
  const queue = new AffinityQueue(groups, threads, schedules.map(([k]) => k), calibrationCost);
  let done = 0;
  let prepareMs = 0;
  let runMs = 0;
  const workers: Worker[] = [];

  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      const dispatch = (w: Worker, k: number) => {
        const index = queue.next(k);
        if (index === null) return;
        w.postMessage({ type: "run", index, values: opts.combos[index] } satisfies ToWorker);
      };
      for (let k = 0; k < threads; k++) {
        const w = new Worker(workerEntry("sweep/worker.ts"));
        workers.push(w);
        w.onerror = (e) => {
          const msg = String(e.message ?? e);
          const hint = /ModuleNotFound/.test(msg) ? " (a compiled binary needs src/sweep/worker.ts as an extra entry point of bun build --compile)" : "";
          fail(new AppError(`sweep worker ${k} failed: ${msg.split("\n")[0]}${hint}`));
        };
        w.onmessage = (e: MessageEvent<FromWorker>) => {
          const m = e.data;
          switch (m.type) {
            case "ready":
              prepareMs = Math.max(prepareMs, m.prepareMs);
              dispatch(w, k);
              return;
            case "init_error":
              fail(new AppError(m.message, m.exitCode as never));
              return;
            case "result":
            case "run_error": {
              const row: SweepRow =
                m.type === "result"
                  ? { index: m.index, values: opts.combos[m.index], metrics: m.metrics }
                  : { index: m.index, values: opts.combos[m.index], metrics: null, error: m.message };
              rows[m.index] = row;
              if (m.type === "result") runMs += m.ms;
              done++;
              opts.onResult?.(row, done, total);
              if (done === total) resolve();
              else dispatch(w, k);
              return;
            }
          }
        };
        w.postMessage({ type: "init", source: opts.source, data, schedules, config: opts.config, keys: opts.keys, logLevel: log.level } satisfies ToWorker);
      }
    });
  } finally {
    for (const w of workers) w.terminate();
  }
  return { rows, dataQuality: loaded.quality, loadMs: t1 - t0, calibrateMs: t2 - t1, prepareMs, runMs, wallMs: performance.now() - t0 };
}
