/**
 * Legacy CSV readers (docs/original.md §3.13, §3.15), streamed in chunks of `batchRows` rows.
 *
 *   readTradeCsv(path, { batchRows?, market? })  → AsyncGenerator<TradeBatch>
 *     header (by name): timestamp_ms, price, quantity, side required; trade_id, trade_type, market optional.
 *     trade_id is parsed as BigInt (ids exceed 2^53).
 *   readBookCsv(path, { batchRows?, levels?, market? }) → AsyncGenerator<BookBatch>
 *     header: timestamp_ms, [datetime, market,] seq, then bid_price{i},bid_qty{i},ask_price{i},ask_qty{i}
 *     (also accepted with `_` before i). Empty or ≤ 0 prices mean "no level" (the legacy writer put 0).
 *
 * Unlike the original (which turned unparsable numbers into 0.0), a bad header, a wrong field count
 * or a bad number is a DataError naming the file and line.
 */
import { statSync } from "node:fs";
import { DataError } from "../errors.ts";
import { normalizeLevel } from "./parquet/index.ts";
import { Side, TradeType, type BookBatch, type TradeBatch } from "./types.ts";
import { allocBook, allocTrades, sliceBook, sliceTrades } from "./batch.ts";

export const DEFAULT_CSV_BATCH_ROWS = 25_000;

/** Lines of a text file with 1-based line numbers, streamed (never the whole file in memory). */
export async function* csvLines(path: string): AsyncGenerator<[line: string, lineNo: number]> {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new DataError(`${path} does not exist`);
  }
  if (!isFile) throw new DataError(`${path} is not a file`);
  const decoder = new TextDecoder();
  let rest = "";
  let lineNo = 0;
  for await (const chunk of Bun.file(path).stream()) {
    rest += decoder.decode(chunk, { stream: true });
    let nl: number;
    let start = 0;
    while ((nl = rest.indexOf("\n", start)) >= 0) {
      lineNo++;
      const end = nl > start && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield [rest.slice(start, end), lineNo];
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield [rest.endsWith("\r") ? rest.slice(0, -1) : rest, lineNo + 1];
}

/** Plain decimal text only: `Number()` would also take "0x10", "0b1" or "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `nonNegative`: a negative value cannot be market data in this field. */
function parseNumber(path: string, lineNo: number, name: string, text: string, emptyIsNaN: boolean, min?: "nonNegative"): number {
  const s = text.trim();
  if (s === "") {
    if (emptyIsNaN) return NaN;
    throw new DataError(`${path}:${lineNo}: empty ${name}`);
  }
  const x = DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(x) || (min === "nonNegative" && x < 0)) {
    throw new DataError(`${path}:${lineNo}: bad ${name} ${JSON.stringify(text)}`);
  }
  return x;
}

/** Epoch ms: an integer with at most 13 digits, so it fits the part names' fixed-width prefix. */
function parseTimestamp(path: string, lineNo: number, text: string): number {
  const x = parseNumber(path, lineNo, "timestamp_ms", text, false);
  if (!Number.isInteger(x) || x < 0 || x > 9_999_999_999_999) throw new DataError(`${path}:${lineNo}: bad timestamp_ms ${JSON.stringify(text)} (expected integer epoch ms)`);
  return x;
}

/** A row's `market` must agree with the file's first (one file = one market); empty cells are allowed. */
function checkMarket(path: string, lineNo: number, text: string, first: { value: string | null }): void {
  const m = text.trim();
  if (m === "") return;
  if (first.value === null) first.value = m;
  else if (m !== first.value) throw new DataError(`${path}:${lineNo}: market ${JSON.stringify(m)} differs from ${JSON.stringify(first.value)} (one market per file)`);
}

function parseInt64(path: string, lineNo: number, name: string, text: string, nonNegative = false): bigint {
  const s = text.trim();
  if (!/^-?\d+$/.test(s)) throw new DataError(`${path}:${lineNo}: bad ${name} ${JSON.stringify(text)}`);
  const v = BigInt(s);
  if (v !== BigInt.asIntN(64, v)) throw new DataError(`${path}:${lineNo}: ${name} ${s} does not fit in 64 bits`);
  if (nonNegative && v < 0n) throw new DataError(`${path}:${lineNo}: bad ${name} ${JSON.stringify(text)}`);
  return v;
}

async function* withHeader(path: string, required: string[]): AsyncGenerator<[fields: string[], lineNo: number, header: Map<string, number>]> {
  let header: Map<string, number> | null = null;
  let width = 0;
  for await (const [line, lineNo] of csvLines(path)) {
    if (header === null) {
      const names = line.replace(/^\uFEFF/, "").split(",").map((h) => h.trim());
      header = new Map(names.map((h, i) => [h, i]));
      width = names.length;
      const missing = required.filter((r) => !header!.has(r));
      if (missing.length) throw new DataError(`${path}:1: bad header, missing column(s) ${missing.join(", ")} (got ${JSON.stringify(line.slice(0, 120))})`);
      continue;
    }
    if (line.trim() === "") continue;
    const fields = line.split(",");
    if (fields.length !== width) throw new DataError(`${path}:${lineNo}: expected ${width} fields, got ${fields.length}`);
    yield [fields, lineNo, header];
  }
  if (header === null) throw new DataError(`${path}: empty CSV file (no header)`);
}

export interface CsvReadOptions {
  batchRows?: number;
  /** Market name for the batches (default: the file's `market` column, else ""). */
  market?: string;
}

export async function* readTradeCsv(path: string, opts: CsvReadOptions = {}): AsyncGenerator<TradeBatch> {
  const cap = opts.batchRows ?? DEFAULT_CSV_BATCH_ROWS;
  let b: TradeBatch | null = null;
  let n = 0;
  let col: { ts: number; px: number; qty: number; side: number; id: number; type: number; market: number } | null = null;
  let market = opts.market;
  const fileMarket = { value: null as string | null };
  for await (const [f, lineNo, h] of withHeader(path, ["timestamp_ms", "price", "quantity", "side"])) {
    col ??= {
      ts: h.get("timestamp_ms")!,
      px: h.get("price")!,
      qty: h.get("quantity")!,
      side: h.get("side")!,
      id: h.get("trade_id") ?? -1,
      type: h.get("trade_type") ?? -1,
      market: h.get("market") ?? -1,
    };
    if (col.market >= 0) checkMarket(path, lineNo, f[col.market], fileMarket);
    if (market === undefined) market = col.market >= 0 ? f[col.market].trim() : "";
    if (b === null) b = allocTrades(market, cap, col.id >= 0);
    b.timestampMs[n] = parseTimestamp(path, lineNo, f[col.ts]);
    // 0 is kept (the original wrote 0.0 for values it could not parse; consumers drop such trades,
    // as they do for Parquet rows); a negative value is refused
    b.price[n] = parseNumber(path, lineNo, "price", f[col.px], false, "nonNegative");
    b.quantity[n] = parseNumber(path, lineNo, "quantity", f[col.qty], false, "nonNegative");
    const s = f[col.side].trim().toLowerCase();
    // empty = unknown taker side; any other word is not the legacy format
    if (s !== "" && s !== "buy" && s !== "sell") throw new DataError(`${path}:${lineNo}: bad side ${JSON.stringify(f[col.side])} (expected buy, sell or empty)`);
    b.side[n] = s === "buy" ? Side.buy : s === "sell" ? Side.sell : Side.unknown;
    if (col.id >= 0) b.tradeId![n] = parseInt64(path, lineNo, "trade_id", f[col.id]);
    if (col.type >= 0) {
      const t = f[col.type].trim().toUpperCase();
      b.tradeType[n] = t === "TRADE" ? TradeType.trade : t === "LIQUIDATION" ? TradeType.liquidation : t === "DELEVERAGE" ? TradeType.deleverage : TradeType.unknown;
    } else b.tradeType[n] = TradeType.unknown;
    if (++n === cap) {
      yield b;
      b = null;
      n = 0;
    }
  }
  if (b !== null && n > 0) yield sliceTrades(b, 0, n);
}

/** Level count of a legacy depth header: levels i with all four columns, `bid_price{i}` or `bid_price_{i}`. */
function depthColumns(h: Map<string, number>): { sep: string; levels: number } {
  for (const sep of ["", "_"]) {
    let n = 0;
    while (["bid_price", "bid_qty", "ask_price", "ask_qty"].every((c) => h.has(`${c}${sep}${n}`))) n++;
    if (n > 0) return { sep, levels: n };
  }
  return { sep: "", levels: 0 };
}

export interface BookCsvOptions extends CsvReadOptions {
  /** Levels to return (default: all in the file); levels the file lacks are NaN. */
  levels?: number;
}

export async function* readBookCsv(path: string, opts: BookCsvOptions = {}): AsyncGenerator<BookBatch> {
  const cap = opts.batchRows ?? DEFAULT_CSV_BATCH_ROWS;
  let b: BookBatch | null = null;
  let n = 0;
  let cols: { ts: number; seq: number; market: number; levels: number; idx: Int32Array } | null = null;
  let market = opts.market;
  const fileMarket = { value: null as string | null };
  let levels = 0;
  const flush = (bb: BookBatch, rows: number) => {
    const out = rows === bb.length ? bb : sliceBook(bb, 0, rows);
    for (let i = 0; i < out.levels; i++) {
      normalizeLevel(out.bidPx[i], out.bidQty[i]);
      normalizeLevel(out.askPx[i], out.askQty[i]);
    }
    return out;
  };
  for await (const [f, lineNo, h] of withHeader(path, ["timestamp_ms"])) {
    if (cols === null) {
      const { sep, levels: fileLevels } = depthColumns(h);
      if (fileLevels === 0) throw new DataError(`${path}:1: bad header, no bid_price0/bid_qty0/ask_price0/ask_qty0 columns`);
      levels = opts.levels ?? fileLevels;
      const read = Math.min(levels, fileLevels);
      const idx = new Int32Array(read * 4);
      for (let i = 0; i < read; i++) ["bid_price", "bid_qty", "ask_price", "ask_qty"].forEach((c, k) => (idx[i * 4 + k] = h.get(`${c}${sep}${i}`)!));
      cols = { ts: h.get("timestamp_ms")!, seq: h.get("seq") ?? -1, market: h.get("market") ?? -1, levels: read, idx };
    }
    if (cols.market >= 0) checkMarket(path, lineNo, f[cols.market], fileMarket);
    if (market === undefined) market = cols.market >= 0 ? f[cols.market].trim() : "";
    if (b === null) b = allocBook(market, levels, cap);
    b.timestampMs[n] = parseTimestamp(path, lineNo, f[cols.ts]);
    if (cols.seq >= 0) b.seq[n] = parseInt64(path, lineNo, "seq", f[cols.seq], true);
    const idx = cols.idx;
    // 0 or empty = no level (the legacy writer's filler); a negative value is not a book
    for (let i = 0; i < cols.levels; i++) {
      b.bidPx[i][n] = parseNumber(path, lineNo, `bid_price${i}`, f[idx[i * 4]], true, "nonNegative");
      b.bidQty[i][n] = parseNumber(path, lineNo, `bid_qty${i}`, f[idx[i * 4 + 1]], true, "nonNegative");
      b.askPx[i][n] = parseNumber(path, lineNo, `ask_price${i}`, f[idx[i * 4 + 2]], true, "nonNegative");
      b.askQty[i][n] = parseNumber(path, lineNo, `ask_qty${i}`, f[idx[i * 4 + 3]], true, "nonNegative");
    }
    if (++n === cap) {
      yield flush(b, n);
      b = null;
      n = 0;
    }
  }
  if (b !== null && n > 0) yield flush(b, n);
}
