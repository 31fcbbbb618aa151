/**
 * Sweep worker: takes the shared market data once (init: copied into its WASM core), then runs one
 * combination per message. An entry point of its own: `bun build --compile` must be given this
 * file as an extra entry point (docs/sweep.md).
 */
import type { Config } from "../config/schema.ts";
import { AppError, ExitCode, describeError } from "../errors.ts";
import { log } from "../log.ts";
import { SweepEngine } from "./engine.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

declare const self: Worker;

let engine: SweepEngine | null = null;
let base: Config | null = null;
let keys: string[] = [];

const send = (m: FromWorker) => self.postMessage(m);

function withValues(values: number[]): Config {
  const config: Config = { ...base! };
  keys.forEach((k, i) => ((config as Record<string, unknown>)[k] = values[i]));
  return config;
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "init") {
    log.level = m.logLevel;
    base = m.config;
    keys = m.keys;
    const t0 = performance.now();
    try {
      engine = new SweepEngine(m.source, m.data, new Map(m.schedules));
      send({ type: "ready", prepareMs: performance.now() - t0 });
    } catch (err) {
      send({ type: "init_error", message: describeError(err), exitCode: err instanceof AppError ? err.exitCode : ExitCode.runtime });
    }
    return;
  }
  const t0 = performance.now();
  try {
    const metrics = engine!.run(withValues(m.values));
    send({ type: "result", index: m.index, metrics, ms: performance.now() - t0 });
  } catch (err) {
    send({ type: "run_error", index: m.index, message: describeError(err) });
  }
};
