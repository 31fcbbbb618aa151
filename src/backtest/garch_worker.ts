/**
 * GARCH worker (garch_offload.ts): receives the deferred fits of one calibration run in order and
 * runs them on its own chain and WASM screen while the main thread goes on with the rest of the
 * calibration. An entry point of its own: `bun build --compile` must be given this file as an
 * extra entry point (docs/platform.md); without it the main thread runs the fits itself.
 */
import { wasmGarchScreen } from "../core/garch_screen.ts";
import { GarchChain } from "../model/garch_chain.ts";
import { FIT_WIDTH, GarchJobLog, JOB_WIDTH } from "./garch_jobs.ts";
import type { FromGarchWorker, ToGarchWorker } from "./garch_offload.ts";

declare const self: Worker;

let chain: GarchChain | null = null;
const log = new GarchJobLog();
const send = (m: FromGarchWorker) => self.postMessage(m);

self.onmessage = (e: MessageEvent<ToGarchWorker>) => {
  const m = e.data;
  try {
    if (m.type === "init") {
      chain = new GarchChain(m.options, wasmGarchScreen());
      return;
    }
    if (m.type === "flush") {
      send({ type: "flushed" });
      return;
    }
    log.append(m.start, m.values);
    const from = log.nJobs;
    log.appendJobs(m.jobs);
    const fits = new Float64Array(FIT_WIDTH * (log.nJobs - from));
    log.run(chain!, from, log.nJobs, fits);
    // later windows start at or after the last one
    log.forget(log.jobs[JOB_WIDTH * (log.nJobs - 1)]!);
    send({ type: "fits", fits });
  } catch (err) {
    send({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
