/** Messages between the sweep's main thread and its workers (structured-clone friendly). */
import type { CalibratedSchedule } from "../backtest/calibrate.ts";
import type { EventData } from "../sim/data.ts";
import type { Config } from "../config/schema.ts";
import type { RunMetrics } from "./rank.ts";

/** Where the sweep's market data come from. */
export interface SweepSource {
  dataDir: string;
  market: string;
  /** Explicit files or dirs instead of the data-dir layout. */
  orderbook?: string;
  trades?: string;
  fromMs?: number;
  toMs?: number;
  /** Read on past unreadable Parquet parts (reported in the pool result's data quality). */
  skipBadParts?: boolean;
}

export interface InitMsg {
  type: "init";
  source: SweepSource;
  /** Shared (SharedArrayBuffer-backed) event data. */
  data: EventData;
  /** Schedules already built, by calibration-settings key (shared arrays). */
  schedules: [string, CalibratedSchedule][];
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
  | { type: "ready"; prepareMs: number }
  | { type: "init_error"; message: string; exitCode: number }
  | { type: "result"; index: number; metrics: RunMetrics; ms: number }
  | { type: "run_error"; index: number; message: string };
