/** Messages between the sweep's main thread and its workers (structured-clone friendly). */
import type { Config } from "../config/schema.ts";
import type { RunMetrics } from "./rank.ts";

/** Where a worker loads its market data from (once, at init). */
export interface SweepSource {
  dataDir: string;
  market: string;
  /** Explicit files or dirs instead of the data-dir layout. */
  orderbook?: string;
  trades?: string;
  fromMs?: number;
  toMs?: number;
}

export interface InitMsg {
  type: "init";
  source: SweepSource;
  config: Config;
  keys: string[];
  logLevel: number;
}
export interface RunMsg {
  type: "run";
  index: number;
  values: number[];
}
export type ToWorker = InitMsg | RunMsg;

export type FromWorker =
  | { type: "ready"; loadMs: number; events: number }
  | { type: "init_error"; message: string; exitCode: number }
  | { type: "result"; index: number; metrics: RunMetrics; ms: number }
  | { type: "run_error"; index: number; message: string };
