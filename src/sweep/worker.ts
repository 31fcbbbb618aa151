/**
 * Sweep worker: loads the market data once (init), then runs one combination per message.
 * Entry point of its own: `bun build --compile` must be given this file as an extra entry point.
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

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "init") {
    log.level = m.logLevel;
    base = m.config;
    keys = m.keys;
    const t0 = performance.now();
    try {
      engine = await SweepEngine.load(m.source, m.config);
      send({ type: "ready", loadMs: performance.now() - t0, events: engine.events });
    } catch (err) {
      send({ type: "init_error", message: describeError(err), exitCode: err instanceof AppError ? err.exitCode : ExitCode.runtime });
    }
    return;
  }
  const t0 = performance.now();
  try {
    const config: Config = { ...base! };
    keys.forEach((k, i) => ((config as Record<string, unknown>)[k] = m.values[i]));
    const metrics = engine!.run(config);
    send({ type: "result", index: m.index, metrics, ms: performance.now() - t0 });
  } catch (err) {
    send({ type: "run_error", index: m.index, message: describeError(err) });
  }
};
