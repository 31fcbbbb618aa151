/**
 * Progress on stderr for the long commands (backtest, sweep, calculate_spread): phase, bar,
 * percentage, ETA and a detail. Shown when stderr is a terminal (redrawn in place at most every
 * 100 ms, once the run has lasted 1.5 s, so short runs stay silent) or with --progress (then one
 * line every 2 s, for logs). Never on stdout, so --json output stays clean.
 */
import { describeParquet } from "../storage/parquet/index.ts";
import { resolveSource, type SourceSpec } from "../storage/sources.ts";

export interface Progress {
  /** False when nothing will be shown (callers skip the work of measuring progress). */
  readonly active: boolean;
  update(phase: string, frac: number | null, detail?: string): void;
  done(): void;
}

const NOOP: Progress = { active: false, update() {}, done() {} };

/** 42 s · 3 min 05 s · 1 h 12 min. */
export function fmtEta(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** The text of one progress line; ETA = elapsed · (1 − f)/f, once at least 1 % is done. */
export function progressLine(phase: string, frac: number | null, elapsedS: number, detail = ""): string {
  if (frac === null) return `${phase.padEnd(10)} ${detail}`.trimEnd();
  const f = Math.min(1, Math.max(0, frac)), w = 24;
  const eta = f >= 0.01 ? ` ETA ${fmtEta((elapsedS * (1 - f)) / f)}` : "";
  return `${phase.padEnd(10)} [${"#".repeat(Math.round(f * w)).padEnd(w, ".")}] ${(f * 100).toFixed(0).padStart(3)}%${eta}${detail ? ` · ${detail}` : ""}`;
}

/**
 * @param enabled false with --quiet
 * @param force --progress: show it even when stderr is not a terminal
 */
export function progressBar(enabled: boolean, force = false, stream: { isTTY?: boolean; write(s: string): unknown } = process.stderr): Progress {
  const tty = !!stream.isTTY;
  if (!enabled || !(tty || force)) return NOOP;
  const t0 = performance.now();
  const every = tty ? 100 : 2000;
  let last = -Infinity, drawn = false;
  return {
    active: true,
    update(phase, frac, detail = "") {
      const now = performance.now();
      if ((tty && now - t0 < 1500) || now - last < every) return;
      last = now;
      const line = progressLine(phase, frac, (now - t0) / 1000, detail);
      stream.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      drawn = true;
    },
    done() {
      if (drawn && tty) stream.write("\r\x1b[2K");
    },
  };
}

/** Rows in a source's Parquet footers (cheap: no data read); null when any file is not Parquet or unreadable. */
export async function sourceRows(spec: SourceSpec, stream: "orderbook" | "trades"): Promise<number | null> {
  try {
    const r = resolveSource(spec, stream);
    if (r.kind !== "parquet") return null;
    let n = 0;
    for (const f of r.files) n += (await describeParquet(f)).rows;
    return n;
  } catch {
    return null; // the run itself reports a bad source, with its own message
  }
}
