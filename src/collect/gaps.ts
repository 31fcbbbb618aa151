/**
 * `data/{market}/gaps.csv`: outages of any stream longer than gap_log_threshold_ms, measured on
 * the local clock from the last sign of life (message or pong) of the lost connection to the
 * first sign of life of the new one. Keyed on the connection, not on the last trade time, so a
 * quiet market logs no false gaps and book outages are logged too (the original did neither,
 * bug §9.1-8). The first five columns are the original's; `stream` is added.
 */
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { storageError } from "./journal.ts";

const GAPS_HEADER = "start_ts,end_ts,duration_ms,start_fmt,end_fmt,stream\n";

export const gapsPath = (marketDirPath: string): string => join(marketDirPath, "gaps.csv");

/** `2025-11-22 12:52:45.123 UTC`, the original's format. */
function fmtUtc(ms: number): string {
  return `${new Date(ms).toISOString().replace("T", " ").replace("Z", "")} UTC`;
}

function gapLine(stream: string, startMs: number, endMs: number): string {
  return `${startMs},${endMs},${endMs - startMs},${fmtUtc(startMs)},${fmtUtc(endMs)},${stream}\n`;
}

export class GapLog {
  constructor(
    readonly path: string,
    readonly thresholdMs: number,
  ) {}

  /** Appends a gap if it is longer than the threshold; returns whether it did. */
  record(stream: string, startMs: number, endMs: number): boolean {
    if (!(endMs - startMs > this.thresholdMs)) return false;
    try {
      if (!existsSync(this.path)) appendFileSync(this.path, GAPS_HEADER);
      appendFileSync(this.path, gapLine(stream, startMs, endMs));
    } catch (err) {
      throw storageError(err, `cannot write ${this.path}`);
    }
    return true;
  }
}
