/**
 * Entry points for reading market data, whatever form it is stored in.
 *
 *   const src = openBookSource(spec, { levels: 1, fromMs, toMs, onSkip });
 *   for await (const batch of src) { ... }     // BookBatch, stored order, bounded batches
 *   src.skipped                                 // [{ path, reason }] of parts that were skipped
 *   openTradeSource(spec, opts) / openFundingSource(spec, opts) likewise.
 *
 * `spec` is one of:
 *   - `{ dataDir, market }` → `{dataDir}/{market_dir}/{stream}_parts/*.parquet`; if that directory does
 *     not exist, the legacy CSV of the market dir (`trades.csv` / `orderbook_depth.csv`) is used;
 *   - a directory of parts (`*.parquet`, read in file-name order = chronological), or a market
 *     directory holding `{stream}_parts/` or the legacy CSV;
 *   - a single `.parquet` file;
 *   - a `.csv` file (legacy formats; the original backtest's --trades/--orderbook flags).
 *
 * Errors: a path that does not exist, a directory with no data file, or a source whose every file
 * was skipped → DataError naming the path (checked when iteration starts / ends). A Parquet part
 * that cannot be read (truncated, garbage, wrong schema, corrupt page) is, with `badParts: "stop"`,
 * a DataError naming the file (what backtest, sweep and calculate_spread do unless
 * --skip-bad-parts); with "skip" (the default here, e.g. for the collector's own parts) it is
 * logged with log.warn, passed to `onSkip`, recorded in `skipped` and skipped — never a crash.
 * Rows already delivered from a part that fails mid-way stay delivered. CSV errors (bad header, bad number) are DataErrors
 * naming file and line: a CSV is one file, so there is nothing to skip to.
 *
 * Time filter: only rows with fromMs ≤ timestamp_ms < toMs. With standard part names (whose prefix
 * is the first row's timestamp) whole parts outside the window are not opened; this assumes the
 * parts are in time order, which the merge assumes anyway.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { DataError } from "../errors.ts";
import { log } from "../log.ts";
import { takeBook, takeFunding, takeTrades, timeMask } from "./batch.ts";
import { partsDir, marketPath, type Stream } from "./layout.ts";
import { readBookCsv, readTradeCsv } from "./read_csv.ts";
import { PartError, readBookFile, readFundingFile, readTradeFile } from "./parquet/index.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "./types.ts";

export type SourceSpec = string | { dataDir: string; market: string };

export interface SkippedPart {
  path: string;
  reason: string;
}

export interface SourceOptions {
  /** Inclusive lower bound on timestamp_ms. */
  fromMs?: number;
  /** Exclusive upper bound on timestamp_ms. */
  toMs?: number;
  /** An unreadable Parquet part: "stop" with a DataError naming it, or "skip" it (default). */
  badParts?: "stop" | "skip";
  /** Called for every part that is skipped (after log.warn). */
  onSkip?: (part: SkippedPart) => void;
  /** Rows per batch for CSV sources (Parquet batches follow the row groups). */
  batchRows?: number;
}

export interface BookSourceOptions extends SourceOptions {
  /** Levels per side to read (column projection; default: all levels of the first file). */
  levels?: number;
  /** Read `seq` (default true). */
  seq?: boolean;
}

export interface DataSource<T> extends AsyncIterable<T> {
  /** What was resolved: the files in read order (filled when iteration starts). */
  readonly files: string[];
  /** Parts skipped so far. */
  readonly skipped: SkippedPart[];
  /** Human-readable description of the spec, for messages. */
  readonly label: string;
}

const LEGACY_CSV: Record<Stream, string | null> = { orderbook: "orderbook_depth.csv", trades: "trades.csv", funding: null };

interface Resolved {
  kind: "parquet" | "csv";
  files: string[];
}

/** Spec → list of files to read (in order). Throws DataError for missing/empty. */
export function resolveSource(spec: SourceSpec, stream: Stream): Resolved {
  if (typeof spec !== "string") {
    const parts = partsDir(spec.dataDir, spec.market, stream);
    if (existsSync(parts)) {
      // A collector that has published no part of this stream yet: an empty stream, not an error.
      const any = readdirSync(parts).some((n) => n.endsWith(".parquet") && !n.startsWith("."));
      return any ? resolvePath(parts, stream) : { kind: "parquet", files: [] };
    }
    const legacy = LEGACY_CSV[stream];
    const csv = legacy ? join(marketPath(spec.dataDir, spec.market), legacy) : null;
    if (csv && existsSync(csv)) return { kind: "csv", files: [csv] };
    throw new DataError(`no ${stream} data for ${spec.market}: ${parts} does not exist${csv ? ` (nor ${csv})` : ""}`);
  }
  return resolvePath(spec, stream);
}

function resolvePath(path: string, stream: Stream): Resolved {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DataError(`${path} does not exist`);
  }
  if (st.isDirectory()) {
    const names = readdirSync(path);
    const parquet = names.filter((n) => n.endsWith(".parquet") && !n.startsWith(".")).sort();
    if (parquet.length > 0) return { kind: "parquet", files: parquet.map((n) => join(path, n)) };
    if (names.includes(`${stream}_parts`)) return resolvePath(join(path, `${stream}_parts`), stream);
    const legacy = LEGACY_CSV[stream];
    if (legacy && names.includes(legacy)) return { kind: "csv", files: [join(path, legacy)] };
    throw new DataError(`${path} contains no ${stream} data (no *.parquet${legacy ? `, no ${stream}_parts/, no ${legacy}` : ""})`);
  }
  if (path.toLowerCase().endsWith(".csv")) {
    if (!LEGACY_CSV[stream]) throw new DataError(`${path}: there is no CSV format for ${stream} data`);
    return { kind: "csv", files: [path] };
  }
  return { kind: "parquet", files: [path] };
}

/** First-row timestamp encoded in a standard part name, or null. */
export function partStartMs(path: string): number | null {
  const m = /^part_(\d{13})_/.exec(basename(path));
  return m ? Number(m[1]) : null;
}

function makeSource<T extends { length: number; timestampMs: Float64Array }>(
  spec: SourceSpec,
  stream: Stream,
  opts: SourceOptions,
  readParquet: (path: string) => AsyncGenerator<T>,
  readCsv: ((path: string) => AsyncGenerator<T>) | null,
  take: (b: T, idx: Int32Array) => T,
): DataSource<T> {
  const label = typeof spec === "string" ? spec : `${spec.market} in ${spec.dataDir}`;
  const files: string[] = [];
  const skipped: SkippedPart[] = [];
  const filter = (b: T): T | null => {
    const idx = timeMask(b.timestampMs, opts.fromMs, opts.toMs);
    const out = idx === null ? b : take(b, idx);
    return out.length > 0 ? out : null;
  };
  async function* iterate(): AsyncGenerator<T> {
    const r = resolveSource(spec, stream);
    files.length = 0;
    skipped.length = 0;
    files.push(...r.files);
    if (r.kind === "csv") {
      // a header-only CSV is a valid, empty stream (e.g. a period without trades)
      for await (const b of readCsv!(r.files[0])) {
        const out = filter(b);
        if (out) yield out;
      }
      return;
    }
    let readable = 0;
    let delivered = 0;
    for (let k = 0; k < r.files.length; k++) {
      const path = r.files[k];
      const start = partStartMs(path);
      if (opts.toMs !== undefined && start !== null && start >= opts.toMs) break;
      const next = k + 1 < r.files.length ? partStartMs(r.files[k + 1]) : null;
      if (opts.fromMs !== undefined && next !== null && start !== null && next < opts.fromMs) {
        readable++;
        continue;
      }
      try {
        for await (const b of readParquet(path)) {
          delivered += b.length;
          const out = filter(b);
          if (out) yield out;
        }
        readable++;
      } catch (err) {
        if (!(err instanceof PartError)) throw err;
        if (opts.badParts === "stop") throw new DataError(`${path}: ${err.reason} (--skip-bad-parts reads on without it)`);
        const part = { path, reason: err.reason };
        skipped.push(part);
        log.warn(`skipping ${path}: ${err.reason}`);
        opts.onSkip?.(part);
      }
    }
    // every part that was opened failed before giving a row (parts outside the time window are not opened)
    if (readable === 0 && delivered === 0 && skipped.length > 0) throw new DataError(`no readable ${stream} file in ${label} (${skipped.length} skipped: ${skipped.map((s) => basename(s.path)).slice(0, 3).join(", ")})`);
  }
  return { files, skipped, label, [Symbol.asyncIterator]: iterate };
}

export function openBookSource(spec: SourceSpec, opts: BookSourceOptions = {}): DataSource<BookBatch> {
  const market = typeof spec === "string" ? undefined : spec.market;
  // every part of one source is returned with the same level count: the requested one, or the
  // first readable file's (later files with fewer levels are padded with NaN, extra levels dropped)
  let levels = opts.levels;
  const readParquet = async function* (path: string) {
    for await (const b of readBookFile(path, { levels, seq: opts.seq, market })) {
      levels ??= b.levels;
      yield b;
    }
  };
  const readCsv = (path: string) => readBookCsv(path, { levels: opts.levels, market, batchRows: opts.batchRows });
  return makeSource(spec, "orderbook", opts, readParquet, readCsv, takeBook);
}

export function openTradeSource(spec: SourceSpec, opts: SourceOptions = {}): DataSource<TradeBatch> {
  const market = typeof spec === "string" ? undefined : spec.market;
  return makeSource(
    spec,
    "trades",
    opts,
    (path) => readTradeFile(path, { market }),
    (path) => readTradeCsv(path, { market, batchRows: opts.batchRows }),
    takeTrades,
  );
}

export function openFundingSource(spec: SourceSpec, opts: SourceOptions = {}): DataSource<FundingBatch> {
  const market = typeof spec === "string" ? undefined : spec.market;
  return makeSource(spec, "funding", opts, (path) => readFundingFile(path, { market }), null, takeFunding);
}
