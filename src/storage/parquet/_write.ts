/**
 * Parquet part writers. One call writes one complete, immutable part file.
 *
 *   await writeBookPart(path, batch, opts?)     // orderbook_parts/part_{ts:013}_{seq:010}_{n:06}.parquet
 *   await writeTradePart(path, batch, opts?)    // trades_parts/part_{ts:013}_{n:06}.parquet
 *   await writeFundingPart(path, batch, opts?)  // funding_parts/part_{ts:013}_{n:06}.parquet
 *   → { path, rows, bytes }
 *
 * Guarantees: the file appears under `path` only when complete (temp file + fsync + link/rename +
 * directory fsync, see atomic.ts); an existing file is never replaced unless `overwrite: true`
 * (DataError otherwise). Part names come from layout.ts (`orderbookPartName`, `partName`).
 *
 * Schemas (docs/storage.md has the tables):
 * - orderbook: `timestamp_ms` Timestamp(ms) non-null, `market` Utf8, `seq` Int64, then per level i
 *   `bid_price_i, bid_qty_i, ask_price_i, ask_qty_i` nullable Float64 (NaN or exact 0 → null, as the
 *   original collector wrote missing levels). Identical to the original Rust collector's.
 * - trades: the original's `timestamp_ms, price, quantity, is_buyer_maker` first (positional
 *   readers keep working), then `trade_id` Int64, `side` Utf8 (buy/sell/null), `trade_type` Utf8
 *   (TRADE/LIQUIDATION/DELEVERAGE, null when unknown), `market` Utf8. `is_buyer_maker` is null when
 *   the side is unknown.
 * - funding: `timestamp_ms`, `market`, `funding_rate` Float64.
 * File key-value metadata: `schema_version`, `market`, `max_levels` (orderbook), `writer`.
 * Compression ZSTD — parquet-wasm always writes ZSTD level 1 (no level setter exists).
 */
import { tableToIPC, type Data, type DataType, type Table } from "apache-arrow";
import { DataError } from "../../errors.ts";
import {
  boolData,
  categoricalUtf8Data,
  constantUtf8Data,
  DistinctArrays,
  float64Data,
  int64Data,
  nullableFloat64Data,
  nullInt64Data,
  tableOf,
  timestampMsData,
} from "./_arrow_columns.ts";
import { publishFile } from "../atomic.ts";
import { parquet } from "./_wasm.ts";
import { Side, TRADE_TYPE_NAMES, TradeType, type BookBatch, type FundingBatch, type TradeBatch } from "../types.ts";

export const BOOK_SCHEMA_VERSION = "1.0";
/** 1.1 = the original's four trade columns plus trade_id, side, trade_type, market. */
export const TRADES_SCHEMA_VERSION = "1.1";
export const FUNDING_SCHEMA_VERSION = "1.0";
export const DEFAULT_ROW_GROUP_ROWS = 25_000;

export interface WritePartOptions {
  /** Rows per Parquet row group (default 25,000: a standard orderbook part is one row group). */
  rowGroupRows?: number;
  /** Replace an existing file (default false: DataError if it exists). */
  overwrite?: boolean;
}

export interface WrittenPart {
  path: string;
  rows: number;
  /** File size in bytes. */
  bytes: number;
}

type Column = [name: string, data: Data<DataType>, nullable: boolean];

export async function writeBookPart(path: string, batch: BookBatch, opts: WritePartOptions = {}): Promise<WrittenPart> {
  const n = checkLength(path, batch.length);
  for (const side of [batch.bidPx, batch.bidQty, batch.askPx, batch.askQty]) {
    if (side.length !== batch.levels) throw new RangeError(`${path}: batch has ${side.length} level arrays, levels = ${batch.levels}`);
  }
  checkArrays(path, n, [batch.timestampMs, batch.seq, ...batch.bidPx, ...batch.bidQty, ...batch.askPx, ...batch.askQty]);
  const distinct = new DistinctArrays();
  const cols: Column[] = [
    ["timestamp_ms", timestampMsData(batch.timestampMs, n), false],
    ["market", constantUtf8Data(n, batch.market), false],
    ["seq", int64Data(distinct.use(batch.seq), n), false],
  ];
  for (let i = 0; i < batch.levels; i++) {
    cols.push([`bid_price_${i}`, nullableFloat64Data(distinct.use(batch.bidPx[i]), n, true), true]);
    cols.push([`bid_qty_${i}`, nullableFloat64Data(distinct.use(batch.bidQty[i]), n, true), true]);
    cols.push([`ask_price_${i}`, nullableFloat64Data(distinct.use(batch.askPx[i]), n, true), true]);
    cols.push([`ask_qty_${i}`, nullableFloat64Data(distinct.use(batch.askQty[i]), n, true), true]);
  }
  const meta = { schema_version: BOOK_SCHEMA_VERSION, market: batch.market, max_levels: String(batch.levels) };
  return writeTable(path, tableOf(cols, n), meta, opts);
}

const SIDE_NAMES = ["buy", "sell"] as const;
const KNOWN_TRADE_TYPES = TRADE_TYPE_NAMES.slice(0, TradeType.unknown);

export async function writeTradePart(path: string, batch: TradeBatch, opts: WritePartOptions = {}): Promise<WrittenPart> {
  const n = checkLength(path, batch.length);
  checkArrays(path, n, [batch.timestampMs, batch.price, batch.quantity, batch.side, batch.tradeType, ...(batch.tradeId ? [batch.tradeId] : [])]);
  const distinct = new DistinctArrays();
  const side = batch.side;
  const type = batch.tradeType;
  const cols: Column[] = [
    ["timestamp_ms", timestampMsData(batch.timestampMs, n), false],
    ["price", float64Data(distinct.use(batch.price), n), false],
    ["quantity", float64Data(distinct.use(batch.quantity), n), false],
    ["is_buyer_maker", boolData(n, (i) => (side[i] === Side.sell ? true : side[i] === Side.buy ? false : null)), true],
    ["trade_id", batch.tradeId ? int64Data(distinct.use(batch.tradeId), n) : nullInt64Data(n), true],
    ["side", categoricalUtf8Data(n, SIDE_NAMES, (i) => (side[i] === Side.buy ? 0 : side[i] === Side.sell ? 1 : -1)), true],
    ["trade_type", categoricalUtf8Data(n, KNOWN_TRADE_TYPES, (i) => (type[i] < TradeType.unknown ? type[i] : -1)), true],
    ["market", constantUtf8Data(n, batch.market), false],
  ];
  return writeTable(path, tableOf(cols, n), { schema_version: TRADES_SCHEMA_VERSION, market: batch.market }, opts);
}

export async function writeFundingPart(path: string, batch: FundingBatch, opts: WritePartOptions = {}): Promise<WrittenPart> {
  const n = checkLength(path, batch.length);
  checkArrays(path, n, [batch.timestampMs, batch.fundingRate]);
  const cols: Column[] = [
    ["timestamp_ms", timestampMsData(batch.timestampMs, n), false],
    ["market", constantUtf8Data(n, batch.market), false],
    ["funding_rate", float64Data(new DistinctArrays().use(batch.fundingRate), n), false],
  ];
  return writeTable(path, tableOf(cols, n), { schema_version: FUNDING_SCHEMA_VERSION, market: batch.market }, opts);
}

/** A shorter column would make Arrow read past its buffer: a programming error, caught here. */
function checkArrays(path: string, n: number, arrays: ArrayLike<unknown>[]): void {
  for (const a of arrays) if (a.length < n) throw new RangeError(`${path}: a column holds ${a.length} values, batch length is ${n}`);
}

function checkLength(path: string, length: number): number {
  if (!Number.isInteger(length) || length <= 0) throw new DataError(`refusing to write an empty part ${path}`);
  return length;
}

/** Arrow table → Parquet bytes (ZSTD, chunk statistics) → atomically published file. */
export function encodeParquet(table: Table, meta: Record<string, string>, rowGroupRows = DEFAULT_ROW_GROUP_ROWS): Uint8Array {
  const pw = parquet();
  const kv = new Map(Object.entries({ ...meta, writer: "extended-mm" }));
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(Math.max(1, Math.floor(rowGroupRows)))
    .setStatisticsEnabled(pw.EnabledStatistics.Chunk)
    .setKeyValueMetadata(kv)
    .setCreatedBy("extended-mm (parquet-wasm)")
    .build();
  const wasmTable = pw.Table.fromIPCStream(tableToIPC(table, "stream"));
  return pw.writeParquet(wasmTable, props);
}

function writeTable(path: string, table: Table, meta: Record<string, string>, opts: WritePartOptions): WrittenPart {
  const bytes = encodeParquet(table, meta, opts.rowGroupRows);
  publishFile(path, bytes, { overwrite: opts.overwrite });
  return { path, rows: table.numRows, bytes: bytes.length };
}
