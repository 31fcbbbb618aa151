/**
 * One Parquet file → batches (one per run of row groups that decodes to ≤ 64 MB; a standard part is
 * one batch), reading only the projected columns.
 *
 *   readBookFile(path, { levels?, seq? })  → AsyncGenerator<BookBatch>
 *   readTradeFile(path)                    → AsyncGenerator<TradeBatch>
 *   readFundingFile(path)                  → AsyncGenerator<FundingBatch>
 *
 * Columns are found by NAME (the original loader read book levels by position, §9.2-11), so the
 * readers accept our parts, the original Rust collector's parts (trades with only the four
 * original columns: tradeId null, side from is_buyer_maker) and DuckDB-written files (Int64 ms
 * timestamps, side strings, nullable everything). A file that cannot be used throws `PartError`
 * (the source layer reports and skips it). Missing book levels are NaN: a level is present only if
 * its price is a positive number and its quantity is not null (as the original loader decided).
 */
import { readFileSync, statSync } from "node:fs";
import { Table as ArrowTable, tableFromIPC, type Schema, type Table } from "apache-arrow";
import type { ParquetFile, ReaderOptions } from "parquet-wasm/esm";
import { readParquetFFI, type FFITables } from "./_ffi.ts";
import { parquet } from "./_wasm.ts";
import { projectParquet } from "./_projected_file.ts";
import { ColumnTypeError, fieldKind, toCodes, toEpochMs, toFloat64, toInt64, toTriState } from "./_arrow_read.ts";
import { Side, TradeType, type BookBatch, type FundingBatch, type TradeBatch } from "../types.ts";

/** A file that cannot be read (bad footer, wrong schema, corrupt page); its name is in `path`. */
export class PartError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/**
 * Decoded bytes per parquet-wasm call (several row groups per call when they fit). Bounds wasm and
 * JS memory: at 83 columns this is ≈100k rows per call.
 */
const CALL_BUDGET_BYTES = 64 * 1024 * 1024;

interface OpenFile {
  schema: Schema;
  names: Set<string>;
  meta: Map<string, string>;
  rows: number;
  /** Row counts per row group. */
  groups: number[];
  /** Single-batch tables, each valid until the next one is requested. */
  stream(columns: string[]): Generator<Table>;
  /** Drops cached file bytes; idempotent. */
  close(): void;
}

/**
 * The footer is read with `ParquetFile.fromFile` (reads only the tail); data pages with the
 * synchronous `readParquet(bytes, { rowGroups })`. Deliberately not `ParquetFile.stream`/`.read`:
 * they `unwrap()` decode errors, so a corrupt data page traps inside a wasm closure
 * ("unreachable") — an uncaught exception and a promise that never settles, which no caller can
 * catch — while the synchronous reader returns a normal error (test/storage/bad_input.test.ts).
 * parquet-wasm 0.8's `readParquet` ignores its `columns` option and decodes every column; column
 * projection is restored by handing it a projected copy of the file (see readGroups).
 */
async function openFile(path: string): Promise<OpenFile> {
  const pw = parquet();
  let schema: Schema;
  let meta: Map<string, string>;
  const groups: number[] = [];
  let cached: Uint8Array | null = null;
  let handle: ParquetFile | undefined;
  try {
    const pf = (handle = await pw.ParquetFile.fromFile(Bun.file(path)));
    // wasm-side objects are freed explicitly: thousands of parts must not leak footers
    const md = pf.metadata();
    const fmd = md.fileMetadata();
    meta = new Map(fmd.keyValueMetadata() as Map<string, string>);
    fmd.free();
    for (const rg of md.rowGroups()) {
      groups.push(rg.numRows());
      rg.free();
    }
    md.free();
    schema = tableFromIPC(pf.schema().intoIPCStream()).schema;
    if (!meta.has("market") && schema.fields.some((x) => x.name === "market") && groups.some((g) => g > 0)) {
      // DuckDB-written files carry no key-value metadata: take the market from the first row
      const first = readGroups(path, [groups.findIndex((g) => g > 0)], ["market"], schema.fields.length, { limit: 1 }, () => (cached ??= readWholeFile(path)));
      const m = first.count > 0 ? first.table(0).getChild("market")?.get(0) : undefined;
      first.free();
      if (typeof m === "string") meta.set("market", m);
    }
  } catch (err) {
    throw new PartError(path, `unreadable Parquet (${oneLine(err)})`);
  } finally {
    // only the footer is needed from the async handle; data goes through readParquet
    handle?.free();
  }
  return {
    schema,
    names: new Set(schema.fields.map((f) => f.name)),
    meta,
    rows: groups.reduce((a, b) => a + b, 0),
    groups,
    *stream(columns: string[]) {
      let done = 0;
      const whole = () => (cached ??= readWholeFile(path));
      // budget on the full width: the whole-file fallback of readGroups decodes every column
      const maxRows = Math.max(1, Math.floor(CALL_BUDGET_BYTES / (8 * Math.max(1, schema.fields.length))));
      for (let g = 0; g < groups.length; ) {
        const rowGroups = [g];
        let rows = groups[g];
        for (g++; g < groups.length && rows + groups[g] <= maxRows; g++) {
          rowGroups.push(g);
          rows += groups[g];
        }
        if (rows === 0) continue;
        let read: Decoded;
        try {
          // one batch per call: files with tiny row groups (the original collector wrote one per
          // 100-row flush) still come out in large batches
          read = readGroups(path, rowGroups, columns, schema.fields.length, { batchSize: Math.max(1, rows) }, whole);
        } catch (err) {
          throw new PartError(path, `read failed after ${done} rows (${oneLine(err)})`);
        }
        try {
          // the consumer converts each batch before asking for the next (FFI views: see _ffi.ts)
          for (let i = 0; i < read.count; i++) {
            const batch = read.table(i);
            done += batch.numRows;
            yield batch;
          }
        } finally {
          read.free();
        }
      }
      cached = null;
    },
    close() {
      cached = null;
    },
  };
}

/** Largest file decoded as a whole (it is copied into wasm memory, which is capped at 4 GiB). */
const MAX_WHOLE_FILE_BYTES = 1 << 30;

function readWholeFile(path: string): Uint8Array {
  const size = statSync(path).size;
  if (size > MAX_WHOLE_FILE_BYTES) throw new Error(`file of ${(size / 2 ** 30).toFixed(1)} GiB is too large to decode whole (limit 1 GiB); split it into parts`);
  return new Uint8Array(readFileSync(path));
}

/** How row groups were decoded in this process (tests and the bench check that projection is used). */
export const readerStats = { projectedReads: 0, wholeFileReads: 0, projectionFallbacks: 0, ipcReads: 0 };

/** Decoded row groups: `count` single-batch tables, each taken when needed (FFI views), then `free()`. */
type Decoded = FFITables;

/**
 * Row groups → Arrow batches via the synchronous reader. When only some columns are wanted, the
 * reader gets a projected copy of the file (_projected_file.ts) — `readParquet` would otherwise
 * decode every column. If that copy cannot be built or read, the whole file is read instead, so a
 * part is only reported unreadable when the whole-file read fails too.
 */
function readGroups(
  path: string,
  rowGroups: number[],
  columns: string[],
  totalColumns: number,
  opts: { batchSize?: number; limit?: number },
  whole: () => Uint8Array,
): Decoded {
  if (columns.length < totalColumns) {
    const projected = projectParquet(path, columns, rowGroups);
    if (projected) {
      try {
        const t = decode(projected, opts);
        readerStats.projectedReads++;
        return t;
      } catch {
        // fall back to the whole file below
        readerStats.projectionFallbacks++;
      }
    }
  }
  readerStats.wholeFileReads++;
  return decode(whole(), { ...opts, rowGroups, columns });
}

/** Decodes with parquet-wasm; batches are views of wasm memory (_ffi.ts), or parsed from IPC for schemas it does not walk. */
function decode(bytes: Uint8Array, opts: ReaderOptions): Decoded {
  const pw = parquet();
  const ffi = readParquetFFI(pw, bytes, opts);
  if (ffi) return ffi;
  readerStats.ipcReads++;
  const batches = tableFromIPC(pw.readParquet(bytes, opts).intoIPCStream()).batches;
  return { count: batches.length, table: (i) => new ArrowTable(batches[i]!), free() {} };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 200);
}

function requireKind(f: OpenFile, path: string, name: string, kinds: string[]): void {
  const field = f.schema.fields.find((x) => x.name === name);
  if (!field) throw new PartError(path, `missing column ${name}`);
  const k = fieldKind(field);
  if (!kinds.includes(k)) throw new PartError(path, `column ${name} has type ${field.type}, expected ${kinds.join(" or ")}`);
}

/** Number of consecutive levels i = 0.. with all four level columns present. */
export function detectLevels(names: Set<string>, sep = "_"): number {
  let n = 0;
  while (["bid_price", "bid_qty", "ask_price", "ask_qty"].every((c) => names.has(`${c}${sep}${n}`))) n++;
  return n;
}

export interface BookFileOptions {
  /** Levels to return (default: all levels in the file). Levels the file lacks are NaN. */
  levels?: number;
  /** Read the `seq` column (default true); when false `seq` is all zero. */
  seq?: boolean;
  /** Market name for the batches (default: the file's `market` metadata, else ""). */
  market?: string;
}

export async function* readBookFile(path: string, opts: BookFileOptions = {}): AsyncGenerator<BookBatch> {
  const f = await openFile(path);
  try {
    const fileLevels = detectLevels(f.names);
    if (fileLevels === 0) throw new PartError(path, "no bid_price_0/bid_qty_0/ask_price_0/ask_qty_0 columns (not an orderbook file)");
    requireKind(f, path, "timestamp_ms", ["timestamp", "int"]);
    const levels = opts.levels ?? fileLevels;
    const readLevels = Math.min(levels, fileLevels);
    for (let i = 0; i < readLevels; i++) for (const c of ["bid_price", "bid_qty", "ask_price", "ask_qty"]) requireKind(f, path, `${c}_${i}`, ["float", "int"]);
    const withSeq = opts.seq !== false && f.names.has("seq");
    if (withSeq) requireKind(f, path, "seq", ["int"]);
    const columns = ["timestamp_ms", ...(withSeq ? ["seq"] : [])];
    for (let i = 0; i < readLevels; i++) columns.push(`bid_price_${i}`, `bid_qty_${i}`, `ask_price_${i}`, `ask_qty_${i}`);
    const market = opts.market ?? f.meta.get("market") ?? "";
    try {
      for (const t of f.stream(columns)) {
        const n = t.numRows;
        const nan = () => new Float64Array(n).fill(NaN);
        const b: BookBatch = {
          market,
          length: n,
          levels,
          timestampMs: toEpochMs(t.getChild("timestamp_ms")!, "timestamp_ms"),
          seq: withSeq ? (toInt64(t.getChild("seq")!, "seq") ?? new BigInt64Array(n)) : new BigInt64Array(n),
          bidPx: [],
          bidQty: [],
          askPx: [],
          askQty: [],
        };
        for (let i = 0; i < levels; i++) {
          if (i >= readLevels) {
            b.bidPx.push(nan());
            b.bidQty.push(nan());
            b.askPx.push(nan());
            b.askQty.push(nan());
            continue;
          }
          const bp = toFloat64(t.getChild(`bid_price_${i}`)!, `bid_price_${i}`);
          const bq = toFloat64(t.getChild(`bid_qty_${i}`)!, `bid_qty_${i}`);
          const ap = toFloat64(t.getChild(`ask_price_${i}`)!, `ask_price_${i}`);
          const aq = toFloat64(t.getChild(`ask_qty_${i}`)!, `ask_qty_${i}`);
          normalizeLevel(bp, bq);
          normalizeLevel(ap, aq);
          b.bidPx.push(bp);
          b.bidQty.push(bq);
          b.askPx.push(ap);
          b.askQty.push(aq);
        }
        yield b;
      }
    } catch (err) {
      if (err instanceof ColumnTypeError) throw new PartError(path, err.message);
      throw err;
    }
  } finally {
    f.close();
  }
}

/**
 * A level is present only with a positive finite price and a non-null finite quantity (the
 * original loader's rule, plus finiteness: an ∞ price or size is no level); otherwise both NaN.
 */
export function normalizeLevel(px: Float64Array, qty: Float64Array): void {
  for (let r = 0; r < px.length; r++) {
    const p = px[r];
    const q = qty[r];
    if (!(p > 0 && p < Infinity) || !(q > -Infinity && q < Infinity)) {
      px[r] = NaN;
      qty[r] = NaN;
    }
  }
}

const SIDE_BUY = Side.buy;
const SIDE_SELL = Side.sell;
/** 'b'/'B' → buy, 's'/'S' → sell, anything else unknown. */
function classifySide(bytes: Uint8Array, start: number, end: number): number {
  const c = bytes[start] | 0x20;
  return c === 0x62 ? SIDE_BUY : c === 0x73 ? SIDE_SELL : Side.unknown;
}
/** TRADE / LIQUIDATION / DELEVERAGE by first letter (case-insensitive). */
function classifyType(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start) return TradeType.unknown;
  const c = bytes[start] | 0x20;
  return c === 0x74 ? TradeType.trade : c === 0x6c ? TradeType.liquidation : c === 0x64 ? TradeType.deleverage : TradeType.unknown;
}
export { classifySide as classifySideBytes, classifyType as classifyTypeBytes };

export interface TradeFileOptions {
  market?: string;
}

export async function* readTradeFile(path: string, opts: TradeFileOptions = {}): AsyncGenerator<TradeBatch> {
  const f = await openFile(path);
  try {
    requireKind(f, path, "timestamp_ms", ["timestamp", "int"]);
    requireKind(f, path, "price", ["float", "int"]);
    requireKind(f, path, "quantity", ["float", "int"]);
    const has = (c: string, kinds: string[]) => {
      if (!f.names.has(c)) return false;
      requireKind(f, path, c, kinds);
      return true;
    };
    const hasMaker = has("is_buyer_maker", ["bool"]);
    const hasSide = has("side", ["string"]);
    const hasId = has("trade_id", ["int"]);
    const hasType = has("trade_type", ["string"]);
    const columns = ["timestamp_ms", "price", "quantity"];
    if (hasMaker) columns.push("is_buyer_maker");
    if (hasSide) columns.push("side");
    if (hasId) columns.push("trade_id");
    if (hasType) columns.push("trade_type");
    const market = opts.market ?? f.meta.get("market") ?? "";
    try {
      for (const t of f.stream(columns)) {
        const n = t.numRows;
        const side = new Int8Array(n);
        if (hasSide) toCodes(t.getChild("side")!, "side", side, classifySide, Side.unknown);
        if (hasMaker) {
          // the side column wins; is_buyer_maker fills rows where it is null or absent
          const maker = toTriState(t.getChild("is_buyer_maker")!, "is_buyer_maker");
          for (let i = 0; i < n; i++) if (side[i] === Side.unknown && maker[i] >= 0) side[i] = maker[i] === 1 ? Side.sell : Side.buy;
        }
        const tradeType = new Uint8Array(n).fill(TradeType.unknown);
        if (hasType) toCodes(t.getChild("trade_type")!, "trade_type", tradeType, classifyType, TradeType.unknown);
        yield {
          market,
          length: n,
          timestampMs: toEpochMs(t.getChild("timestamp_ms")!, "timestamp_ms"),
          price: toFloat64(t.getChild("price")!, "price"),
          quantity: toFloat64(t.getChild("quantity")!, "quantity"),
          side,
          tradeId: hasId ? toInt64(t.getChild("trade_id")!, "trade_id") : null,
          tradeType,
        };
      }
    } catch (err) {
      if (err instanceof ColumnTypeError) throw new PartError(path, err.message);
      throw err;
    }
  } finally {
    f.close();
  }
}

export async function* readFundingFile(path: string, opts: TradeFileOptions = {}): AsyncGenerator<FundingBatch> {
  const f = await openFile(path);
  try {
    requireKind(f, path, "timestamp_ms", ["timestamp", "int"]);
    requireKind(f, path, "funding_rate", ["float"]);
    const market = opts.market ?? f.meta.get("market") ?? "";
    try {
      for (const t of f.stream(["timestamp_ms", "funding_rate"])) {
        yield {
          market,
          length: t.numRows,
          timestampMs: toEpochMs(t.getChild("timestamp_ms")!, "timestamp_ms"),
          fundingRate: toFloat64(t.getChild("funding_rate")!, "funding_rate"),
        };
      }
    } catch (err) {
      if (err instanceof ColumnTypeError) throw new PartError(path, err.message);
      throw err;
    }
  } finally {
    f.close();
  }
}

/** File-level facts without reading data pages (row count, metadata, level count). */
export async function describeParquet(path: string): Promise<{ rows: number; meta: Map<string, string>; columns: string[]; levels: number }> {
  const f = await openFile(path);
  f.close();
  return { rows: f.rows, meta: f.meta, columns: [...f.names], levels: detectLevels(f.names) };
}
