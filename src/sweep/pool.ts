/**
 * Runs sweep combinations on Bun workers. Each worker loads the market data once, then takes
 * combinations one at a time from a shared queue (dynamic scheduling: fast and slow runs balance
 * out). Results are stored by combination index, so the outcome does not depend on the thread
 * count or on which worker finished first.
 */
import type { Config } from "../config/schema.ts";
import { AppError } from "../errors.ts";
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
  /** Slowest worker's data-loading time. */
  loadMs: number;
  wallMs: number;
}

// The worker must be a separate bundle entry point for `bun build --compile` (see docs/sweep.md).
const WORKER_URL = new URL("./worker.ts", import.meta.url).href;

export async function runPool(opts: PoolOptions): Promise<PoolResult> {
  const t0 = performance.now();
  const total = opts.combos.length;
  const rows: SweepRow[] = new Array(total);
  const threads = Math.max(1, Math.min(opts.threads, total));
  let next = 0;
  let done = 0;
  let loadMs = 0;
  const workers: Worker[] = [];

  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      const dispatch = (w: Worker) => {
        if (next >= total) return;
        const index = next++;
        w.postMessage({ type: "run", index, values: opts.combos[index] } satisfies ToWorker);
      };
      for (let k = 0; k < threads; k++) {
        const w = new Worker(WORKER_URL);
        workers.push(w);
        w.onerror = (e) => fail(new AppError(`sweep worker ${k} failed: ${e.message ?? e}`));
        w.onmessage = (e: MessageEvent<FromWorker>) => {
          const m = e.data;
          switch (m.type) {
            case "ready":
              loadMs = Math.max(loadMs, m.loadMs);
              log.debug(`worker ${k} ready: ${m.events} events in ${m.loadMs.toFixed(0)} ms`);
              dispatch(w);
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
              done++;
              opts.onResult?.(row, done, total);
              if (done === total) resolve();
              else dispatch(w);
              return;
            }
          }
        };
        w.postMessage({ type: "init", source: opts.source, config: opts.config, keys: opts.keys, logLevel: log.level } satisfies ToWorker);
      }
    });
  } finally {
    for (const w of workers) w.terminate();
  }
  return { rows, loadMs, wallMs: performance.now() - t0 };
}
