/**
 * `migrate`: legacy CSV (trades.csv, orderbook_depth.csv) → standard Parquet parts under
 * {data}/{market_dir}/{trades,orderbook}_parts/, like the original's migrate_* binaries but
 * additive: it never deletes existing data (the original deleted trades_parts/) and never overwrites
 * a part (part numbers continue after the highest existing one; publication refuses existing names).
 * Re-running on the same CSV is refused before anything is written (a part with the CSV's first
 * timestamp already exists). Every written part is read back and its timestamps compared, so a
 * successful migrate is also a Parquet write + read round trip (used by the compiled-binary test).
 */
import { defineCommand } from "citty";
import { readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { AppError, DataError, UsageError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import { concatBooks, concatTrades, sliceBook, sliceTrades } from "../storage/batch.ts";
import { assertMarketName, orderbookPartName, partName, partsDir } from "../storage/layout.ts";
import { readBookCsv, readTradeCsv } from "../storage/read_csv.ts";
import { readBookFile, readTradeFile } from "../storage/read_parquet.ts";
import type { BookBatch, TradeBatch } from "../storage/types.ts";
import { writeBookPart, writeTradePart } from "../storage/write_parts.ts";
import { commonArgs, jsonArg, printJson, setup, type CommandContext } from "./common.ts";

export interface MigrateSummary {
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
): Promise<MigrateSummary> {
  const existing = safeList(opts.dir);
  let part = nextPart(existing);
  const summary: MigrateSummary = { source: opts.source, dir: opts.dir, rows: 0, parts: [], timestampRegressions: 0 };
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

/** The market named in a CSV's first data row (`market` column), or null; a CSV without rows is a DataError. */
async function csvMarket(path: string, kind: "trades" | "orderbook"): Promise<string | null> {
  const it = kind === "trades" ? readTradeCsv(path, { batchRows: 1 }) : readBookCsv(path, { batchRows: 1 });
  for await (const b of it) return b.market || null;
  throw new DataError(`${path}: no data rows`);
}

export default defineCommand({
  meta: { name: "migrate", description: "Convert legacy CSV (trades.csv, orderbook_depth.csv) into Parquet parts" },
  args: {
    ...commonArgs,
    ...jsonArg,
    trades: { type: "string", description: "Legacy trades.csv to convert", valueHint: "csv" },
    orderbook: { type: "string", description: "Legacy orderbook_depth.csv to convert", valueHint: "csv" },
    market: { type: "string", description: "Market name (default: the CSV's market column)", valueHint: "name" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    if (!args.trades && !args.orderbook) throw new UsageError("migrate: give --trades <csv> and/or --orderbook <csv>");
    // the markets the CSVs name (first row): both files must be one market, and --market wins with a warning
    const named: [string, string][] = [];
    for (const [path, kind] of [[args.trades, "trades"], [args.orderbook, "orderbook"]] as const) {
      const m = path ? await csvMarket(path, kind) : null;
      if (path && m) named.push([path, m]);
    }
    if (named.length === 2 && named[0][1] !== named[1][1]) {
      throw new UsageError(`migrate: the CSVs name different markets (${named.map(([p, m]) => `${m} in ${p}`).join(", ")}); migrate one market at a time`);
    }
    let market = args.market;
    if (market === undefined) {
      if (named.length === 0) throw new UsageError("migrate: the CSV has no market column; pass --market");
      market = named[0][1];
    }
    for (const [p, m] of named) if (m !== market) log.warn(`${p}: its rows name ${m}; writing them as ${market} (--market)`);
    assertMarketName(market);
    const out: { market: string; trades?: MigrateSummary; orderbook?: MigrateSummary } = { market };
    // all or nothing: a failure (bad row, read-back mismatch, disk full) removes the parts this run
    // published, so that the fixed input can be migrated again (a re-run refuses existing parts)
    const written: string[] = [];
    try {
      await migrateStreams(args, ctx, market, out, written);
    } catch (e) {
      for (const p of written) rmSync(p, { force: true });
      if (written.length) log.warn(`removed the ${written.length} part(s) this run had written`);
      // a file-system refusal (not a directory, read-only, disk full) is an I/O failure of this run
      const code = (e as { code?: unknown })?.code;
      if (!(e instanceof AppError) && typeof code === "string" && /^E[A-Z]+$/.test(code)) {
        throw new AppError(`--data-dir ${ctx.dataDir}: cannot write the parts (${describeError(e)})`);
      }
      throw e;
    }
    for (const s of [out.trades, out.orderbook]) {
      if (s?.timestampRegressions) log.warn(`${s.source}: ${s.timestampRegressions} rows go back in time (kept in stored order)`);
    }
    if (args.json) printJson(out);
    else {
      for (const [k, s] of Object.entries(out)) {
        if (typeof s === "object") console.log(`${k}: ${s.rows} rows from ${basename(s.source)} → ${s.parts.length} part(s) in ${s.dir}`);
      }
    }
    return 0;
  },
});

/** Converts the CSVs named by --trades / --orderbook into parts, filling `out` and `written`. */
async function migrateStreams(
  args: { trades?: string; orderbook?: string },
  ctx: CommandContext,
  market: string,
  out: { trades?: MigrateSummary; orderbook?: MigrateSummary },
  written: string[],
): Promise<void> {
  if (args.trades) {
    out.trades = await writeParts<TradeBatch>(readTradeCsv(args.trades, { market }), {
      dir: partsDir(ctx.dataDir, market, "trades"),
      rowsPerPart: ctx.config.trades_rows_per_part,
      source: args.trades,
      concat: concatTrades,
      slice: sliceTrades,
      name: (b, part) => partName(b.timestampMs[0], part),
      write: writeTradePart,
      readBack: (path) => readTradeFile(path),
      written,
    });
  }
  if (args.orderbook) {
    out.orderbook = await writeParts<BookBatch>(readBookCsv(args.orderbook, { market }), {
      dir: partsDir(ctx.dataDir, market, "orderbook"),
      rowsPerPart: ctx.config.orderbook_rows_per_part,
      source: args.orderbook,
      concat: concatBooks,
      slice: sliceBook,
      name: (b, part) => orderbookPartName(b.timestampMs[0], b.seq[0], part),
      write: writeBookPart,
      readBack: (path) => readBookFile(path, { levels: 0, seq: false }),
      written,
    });
  }
}
