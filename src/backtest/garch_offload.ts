/**
 * Runs a calibration's GARCH fits on a worker thread while the main thread ingests events and fits
 * the intensities: the engine hands each fit over (model/engine.ts `GarchJobs`) instead of making
 * it, and `collect` returns the fits, in order, once the worker has them. The fits depend only on
 * their inputs and the order (model/garch_chain.ts), so the results are those of the engine
 * fitting them itself. When the worker cannot start or fails, the main thread replays the whole
 * log on a chain of its own — same results, no parallelism.
 */
import { wasmGarchScreen } from "../core/garch_screen.ts";
import { log } from "../log.ts";
import type { GarchJobs } from "../model/engine.ts";
import { GarchChain, type GarchChainOptions } from "../model/garch_chain.ts";
import { FIT_WIDTH, GarchJobLog, JOB_WIDTH } from "./garch_jobs.ts";
import { workerEntry } from "./worker_entry.ts";

export type ToGarchWorker =
  | { type: "init"; options: GarchChainOptions }
  | { type: "jobs"; start: number; values: Float64Array; jobs: Float64Array }
  | { type: "flush" };
export type FromGarchWorker = { type: "fits"; fits: Float64Array } | { type: "flushed" } | { type: "error"; message: string };

/** Jobs sent to the worker per message (a message costs ~10 µs; a fit ~0.3 ms). */
const BATCH = 8;

export class GarchOffload implements GarchJobs {
  private readonly jobLog = new GarchJobLog();
  private worker: Worker | null = null;
  /** Why the worker is not used (the main thread fits), or null. */
  failure: string | null = null;
  private sentValues = 0;
  private sentJobs = 0;
  /** Fits received from the worker, in job order. */
  private received: Float64Array[] = [];
  private nReceived = 0;
  private collected = 0;
  private onFlushed: (() => void) | null = null;
  private failed: (() => void) | null = null;
  /** Closed by its owner: the worker's end is no failure. */
  private closed = false;
  private local: { chain: GarchChain; done: number } | null = null;

  /** `entry`: the worker's entry point under src/ (tests name a missing one to exercise the fallback). */
  constructor(private readonly options: GarchChainOptions, entry = "backtest/garch_worker.ts") {
    try {
      const w = new Worker(workerEntry(entry));
      w.onmessage = (e: MessageEvent<FromGarchWorker>) => {
        const m = e.data;
        if (m.type === "fits") {
          this.received.push(m.fits);
          this.nReceived += m.fits.length / FIT_WIDTH;
        } else if (m.type === "flushed") this.onFlushed?.();
        else this.fail(m.message);
      };
      w.onerror = (e) => this.fail(String(e.message ?? e));
      // a worker that ends by itself (killed thread) must not leave collect() waiting
      w.addEventListener("close", () => this.fail("the worker exited"));
      // a builder nobody closes must not keep the process alive (collect() refs it while it waits)
      w.unref();
      w.postMessage({ type: "init", options } satisfies ToGarchWorker);
      this.worker = w;
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  /** Jobs handed over so far. */
  get submitted(): number {
    return this.jobLog.nJobs;
  }

  submit(r: Float64Array, len: number, stable: number, first: number): void {
    this.jobLog.submit(r, len, stable, first);
    if (this.jobLog.nJobs - this.sentJobs >= BATCH) this.send();
  }

  /** The fits of the jobs submitted since the last call (FIT_WIDTH numbers each, in order). */
  async collect(): Promise<Float64Array> {
    const from = this.collected, to = this.jobLog.nJobs;
    this.collected = to;
    if (this.worker && !this.failure) {
      const w = this.worker;
      this.send();
      w.ref();
      await new Promise<void>((resolve) => {
        this.onFlushed = resolve;
        this.failed = resolve;
        w.postMessage({ type: "flush" } satisfies ToGarchWorker);
      });
      this.onFlushed = this.failed = null;
      w.unref();
    }
    if (this.failure || !this.worker) return this.replay(from, to);
    const all = concat(this.received, this.nReceived);
    this.received = [all];
    return all.slice(FIT_WIDTH * from, FIT_WIDTH * to);
  }

  close(): void {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    w?.terminate();
  }

  private fail(message: string): void {
    if (this.failure !== null || this.closed) return;
    this.failure = message;
    log.debug(`GARCH worker unavailable (${message.split("\n")[0]}): fitting in the main thread`);
    const w = this.worker;
    this.worker = null;
    w?.terminate();
    this.failed?.();
  }

  private send(): void {
    if (!this.worker || this.failure || this.sentJobs === this.jobLog.nJobs) return;
    const L = this.jobLog, upTo = L.start + L.count;
    const from = Math.max(this.sentValues, L.start);
    this.worker.postMessage({
      type: "jobs",
      start: from,
      values: L.values.slice(from - L.start, L.count),
      jobs: L.jobs.slice(JOB_WIDTH * this.sentJobs, JOB_WIDTH * L.nJobs),
    } satisfies ToGarchWorker);
    this.sentValues = upTo;
    this.sentJobs = L.nJobs;
  }

  /** Fits of jobs [from, to) computed here: the log from the start on a chain of our own. */
  private replay(from: number, to: number): Float64Array {
    this.local ??= { chain: new GarchChain(this.options, wasmGarchScreen()), done: 0 };
    const l = this.local, out = new Float64Array(FIT_WIDTH * (to - l.done));
    this.jobLog.run(l.chain, l.done, to, out);
    const base = l.done;
    l.done = to;
    return out.slice(FIT_WIDTH * (from - base));
  }
}

function concat(parts: Float64Array[], n: number): Float64Array {
  if (parts.length === 1 && parts[0]!.length === FIT_WIDTH * n) return parts[0]!;
  const out = new Float64Array(FIT_WIDTH * n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
