/**
 * Splits a stream of batches into standard parts of a fixed row count, each published atomically,
 * read back and checked (the `migrate` command's writer; additive: part numbers continue after the
 * highest existing one and a part with the same first timestamp is refused).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { AppError, DataError } from "../errors.ts";
import { log } from "../log.ts";

export interface PartsSummary {
  source: string;
  dir: string;
  rows: number;
  parts: string[];
  /** Rows whose timestamp is lower than the previous row's (kept in stored order; the merge assumes sorted data). */
  timestampRegressions: number;
}

type Batch = { length: number; timestampMs: Float64Array };

/**
 * Streams `batches` into parts of exactly `rowsPerPart` rows (the last one shorter), naming each
 * part with `name(first row, part number)`. Memory: at most one part plus one source batch.
 */
export async function writeParts<T extends Batch>(
  batches: AsyncIterable<T>,
  opts: {
    dir: string;
    rowsPerPart: number;
    source: string;
    concat: (b: T[]) => T;
    slice: (b: T, start: number, end: number) => T;
    name: (b: T, part: number) => string;
    write: (path: string, b: T) => Promise<unknown>;
    /** Reads a written part back; its timestamps must equal what was written. */
    readBack: (path: string) => AsyncIterable<T>;
    /** Every path this call publishes is pushed here (before its read-back), so a failed run can remove it. */
    written?: string[];
  },
): Promise<PartsSummary> {
  const existing = safeList(opts.dir);
  let part = nextPart(existing);
  const summary: PartsSummary = { source: opts.source, dir: opts.dir, rows: 0, parts: [], timestampRegressions: 0 };
  let pending: T[] = [];
  let pendingRows = 0;
  let last = -Infinity;
  let checked = false;
  const flush = async (rows: number) => {
    const all = opts.concat(pending);
    const chunk = rows === all.length ? all : opts.slice(all, 0, rows);
    const name = opts.name(chunk, part);
    const path = join(opts.dir, name);
    await opts.write(path, chunk);
    opts.written?.push(path);
    await verifyPart(path, chunk.timestampMs, opts.readBack(path));
    log.info(`wrote ${join(opts.dir, name)} (${rows} rows)`);
    summary.parts.push(name);
    summary.rows += rows;
    part++;
    pending = rows === all.length ? [] : [opts.slice(all, rows, all.length)];
    pendingRows = all.length - rows;
  };
  for await (const b of batches) {
    if (b.length === 0) continue;
    if (!checked) {
      // a re-run would publish the same first timestamp under a new part number: refuse it
      const prefix = opts.name(b, 0).split("_")[1];
      const dup = existing.find((f) => f.split("_")[1] === prefix);
      if (dup) throw new DataError(`${opts.source}: already migrated? ${join(opts.dir, dup)} starts at the same timestamp ${Number(prefix)}`);
      checked = true;
    }
    const ts = b.timestampMs;
    for (let i = 0; i < b.length; i++) {
      if (ts[i] < last) summary.timestampRegressions++;
      last = ts[i];
    }
    pending.push(b);
    pendingRows += b.length;
    while (pendingRows >= opts.rowsPerPart) await flush(opts.rowsPerPart);
  }
  if (pendingRows > 0) await flush(pendingRows);
  if (summary.rows === 0) throw new DataError(`${opts.source}: no data rows`);
  return summary;
}

/** Read-back check of a freshly written part (row count and every timestamp). */
async function verifyPart(path: string, ts: Float64Array, batches: AsyncIterable<Batch>): Promise<void> {
  let k = 0;
  for await (const b of batches) {
    for (let i = 0; i < b.length; i++, k++) {
      if (b.timestampMs[i] !== ts[k]) throw new AppError(`${path}: read-back mismatch at row ${k}`);
    }
  }
  if (k !== ts.length) throw new AppError(`${path}: read back ${k} rows, wrote ${ts.length}`);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.startsWith("part_") && f.endsWith(".parquet"));
  } catch {
    return [];
  }
}

function nextPart(names: string[]): number {
  let max = -1;
  for (const f of names) {
    const m = /_(\d+)\.parquet$/.exec(f);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}
