/**
 * Storage throughput, measured side by side in one run:
 *   - write: our part writer (Arrow from typed arrays → parquet-wasm ZSTD → temp + fsync + link)
 *   - read:  our streaming reader, all columns and projected (timestamp_ms + level-0 columns)
 *   - DuckDB reading the same projected columns of the same files (aggregate over every value, so
 *     every page is decoded but nothing is converted to JS values), 1 thread and default threads
 *   - file size and compression ratio versus raw column bytes
 * on (a) the real 2-hour StandX sample (22,293 × 20-level books, 6,184 trades) and (b) a generated
 * 1,000,000-row 20-level book written once as 40 standard parts of 25,000 rows; and
 * (c) real-shaped days (bench/support/day_data.ts: the StandX recording tiled to 24 h, at its own
 * trade rate and busy at ≈166k trades/day, written by our writer and by DuckDB): everything the
 * backtest reads (books: timestamp + all 80 level columns; trades: timestamp, price, quantity,
 * side, ids, type) through the event stream, against DuckDB aggregating the same columns of the
 * same files with 1 thread (bench/support/read_compare.ts).
 *
 * Raw column bytes = 8 B per Int64/Float64/Timestamp value + UTF-8 bytes and 4 B offsets per
 * string value + 1/8 B per boolean (what the columns occupy in Arrow memory, without null bitmaps).
 * MB = 10^6 bytes. Reads are the best of `--reps` runs (default 3); the 1M write runs once.
 *
 * Usage: bun bench/storage.ts [--rows 1000000] [--reps 3]
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocBook, concatBooks, concatTrades } from "../src/storage/batch.ts";
import { orderbookPartName, partName } from "../src/storage/layout.ts";
import { openBookSource, openTradeSource } from "../src/storage/sources.ts";
import type { BookBatch } from "../src/storage/types.ts";
import { writeBookPart, writeTradePart } from "../src/storage/parquet/index.ts";
import { dayLabel, DAY_MARKET, realDay, type DaySpec } from "./support/day_data.ts";
import { compareReads, duckConnection, warmUp } from "./support/read_compare.ts";

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const ROWS = arg("rows", 1_000_000);
const REPS = arg("reps", 3);
const PART_ROWS = 25_000;
const LEVELS = 20;
const DATA = join(import.meta.dir, "../test/fixtures/standx-btc-usd-2h");
const tmp = mkdtempSync(join(tmpdir(), "emm-bench-storage-"));

interface Row {
  case: string;
  op: string;
  rows: number;
  ms: number;
  rawBytes: number;
  fileBytes?: number;
}
const results: Row[] = [];
const ratios: { case: string; ours: number; duck1: number; duckN: number }[] = [];

const bookRawBytes = (rows: number, market: string, levels: number) => rows * (8 + 8 + 4 + market.length + levels * 4 * 8);
const projRawBytes = (rows: number) => rows * 5 * 8;

async function best(fn: () => Promise<void>, reps = REPS): Promise<number> {
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);
}

/** Consumes a book source, touching level 0 so nothing is optimised away. */
async function readBooks(dir: string, levels?: number): Promise<number> {
  let rows = 0;
  let acc = 0;
  for await (const b of openBookSource(dir, { levels, seq: levels === undefined })) {
    rows += b.length;
    const px = b.bidPx[0];
    for (let i = 0; i < b.length; i += 97) acc += px[i] || 0;
  }
  if (acc === -1) console.log(acc);
  return rows;
}

const duck = await (await DuckDBInstance.create(":memory:")).connect();
async function duckProjected(glob: string, threads: number | null): Promise<number> {
  await duck.run(threads === null ? "RESET threads" : `SET threads = ${threads}`);
  const sql = `SELECT count(*), sum(epoch_ms(timestamp_ms::TIMESTAMP)), sum(bid_price_0), sum(bid_qty_0), sum(ask_price_0), sum(ask_qty_0) FROM read_parquet('${glob}')`;
  return best(async () => void (await duck.runAndReadAll(sql)));
}

async function bookCase(name: string, dir: string, rows: number, market: string) {
  const file = dirBytes(dir);
  const full = await best(async () => void (await readBooks(dir)));
  const proj = await best(async () => void (await readBooks(dir, 1)));
  results.push({ case: name, op: "read all 83 columns", rows, ms: full, rawBytes: bookRawBytes(rows, market, LEVELS), fileBytes: file });
  results.push({ case: name, op: "read ts + level 0 (5 cols)", rows, ms: proj, rawBytes: projRawBytes(rows) });
  const glob = join(dir, "*.parquet");
  const d1 = await duckProjected(glob, 1);
  const dn = await duckProjected(glob, null);
  results.push({ case: name, op: "DuckDB ts + level 0, 1 thread", rows, ms: d1, rawBytes: projRawBytes(rows) });
  results.push({ case: name, op: "DuckDB ts + level 0, default threads", rows, ms: dn, rawBytes: projRawBytes(rows) });
  ratios.push({ case: name, ours: proj, duck1: d1, duckN: dn });
}

// (a) real StandX sample: read the real fixture, then write and re-read it as our part
{
  const book = concatBooks(await collectAll(openBookSource(join(DATA, "orderbook.parquet"))));
  const trades = concatTrades(await collectAll(openTradeSource(join(DATA, "trades.parquet"))));
  const bdir = join(tmp, "standx_ob");
  const tdir = join(tmp, "standx_tr");
  let k = 0;
  const wb = await best(async () => {
    rmSync(bdir, { recursive: true, force: true });
    await writeBookPart(join(bdir, orderbookPartName(book.timestampMs[0], book.seq[0], k++)), book);
  });
  results.push({ case: "StandX book", op: "write (1 part, 1 row group)", rows: book.length, ms: wb, rawBytes: bookRawBytes(book.length, book.market, LEVELS), fileBytes: dirBytes(bdir) });
  const wt = await best(async () => {
    rmSync(tdir, { recursive: true, force: true });
    await writeTradePart(join(tdir, partName(trades.timestampMs[0], k++)), trades);
  });
  const tradeRaw = trades.length * (8 * 4 + 1 / 8 + 4 + 4 + 4 + 5 + 4 + trades.market.length);
  results.push({ case: "StandX trades", op: "write (1 part)", rows: trades.length, ms: wt, rawBytes: tradeRaw, fileBytes: dirBytes(tdir) });
  const rt = await best(async () => {
    for await (const _ of openTradeSource(tdir));
  });
  results.push({ case: "StandX trades", op: "read all columns", rows: trades.length, ms: rt, rawBytes: tradeRaw });
  await bookCase("StandX book", bdir, book.length, book.market);
}

// (b) generated 1M-row 20-level book, written once as standard parts
{
  const dir = join(tmp, "gen_ob");
  let mid = 50_000;
  const r = mulberry(42);
  const qty = Array.from({ length: LEVELS * 2 }, () => 1 + r() * 5);
  let ts = 1_700_000_000_000;
  let writeMs = 0;
  let part = 0;
  for (let start = 0; start < ROWS; start += PART_ROWS) {
    const n = Math.min(PART_ROWS, ROWS - start);
    const b = allocBook("BTC-USD", LEVELS, n);
    for (let i = 0; i < n; i++) {
      ts += 50 + Math.floor(r() * 100);
      mid += (r() < 0.5 ? -1 : 1) * (r() < 0.3 ? 0.1 : 0);
      b.timestampMs[i] = ts;
      b.seq[i] = BigInt(start + i + 1);
      for (let l = 0; l < LEVELS; l++) {
        if (r() < 0.25) qty[2 * l] = Math.round((1 + r() * 5) * 1000) / 1000;
        if (r() < 0.25) qty[2 * l + 1] = Math.round((1 + r() * 5) * 1000) / 1000;
        b.bidPx[l][i] = Math.round((mid - 0.05 - 0.1 * l) * 10) / 10;
        b.askPx[l][i] = Math.round((mid + 0.05 + 0.1 * l) * 10) / 10;
        b.bidQty[l][i] = qty[2 * l];
        b.askQty[l][i] = qty[2 * l + 1];
      }
    }
    const t = performance.now();
    await writeBookPart(join(dir, orderbookPartName(b.timestampMs[0], b.seq[0], part++)), b);
    writeMs += performance.now() - t;
  }
  results.push({ case: `generated ${ROWS / 1e6}M book`, op: `write (${part} parts of ${PART_ROWS})`, rows: ROWS, ms: writeMs, rawBytes: bookRawBytes(ROWS, "BTC-USD", LEVELS), fileBytes: dirBytes(dir) });
  await bookCase(`generated ${ROWS / 1e6}M book`, dir, ROWS, "BTC-USD");
}

rmSync(tmp, { recursive: true, force: true });

const f = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

// (c) real-shaped days, everything the backtest reads, ours vs DuckDB (1 thread), alternating
const dayRatios: string[][] = [];
{
  const db = await duckConnection(1);
  await warmUp(db, await realDay({ writer: "ours", busy: false }), DAY_MARKET);
  for (const spec of [{ writer: "ours", busy: false }, { writer: "duckdb", busy: false }, { writer: "ours", busy: true }, { writer: "duckdb", busy: true }] as DaySpec[]) {
    const r = await compareReads(db, await realDay(spec), DAY_MARKET, REPS);
    dayRatios.push([dayLabel(spec), f(r.books), f(r.trades), f(r.ours, 1), f(r.duck, 1), `${f(r.ratio, 2)}×`, f(r.oursCpu, 1), f(r.duckCpu, 1), `${f(r.cpuRatio, 2)}×`, r.load.toFixed(1)]);
  }
}

// report
const head = ["case", "operation", "rows", "ms", "rows/s", "MB/s raw", "file MB", "raw MB", "ratio"];
const lines = results.map((x) => [
  x.case,
  x.op,
  f(x.rows),
  f(x.ms, 1),
  f((x.rows / x.ms) * 1000),
  f(x.rawBytes / 1e6 / (x.ms / 1000), 1),
  x.fileBytes ? f(x.fileBytes / 1e6, 2) : "",
  f(x.rawBytes / 1e6, 1),
  x.fileBytes ? `${f(x.rawBytes / x.fileBytes, 2)}×` : "",
]);
printTable(head, lines);
console.log("\nProjected read (timestamp_ms + bid/ask price/qty level 0), ours vs DuckDB on the same files:\n");
printTable(
  ["case", "ours ms", "DuckDB 1 thread ms", "DuckDB default ms", "ours / DuckDB(1)", "ours / DuckDB(default)"],
  ratios.map((x) => [x.case, f(x.ours, 1), f(x.duck1, 1), f(x.duckN, 1), `${f(x.ours / x.duck1, 2)}×`, `${f(x.ours / x.duckN, 2)}×`]),
);
console.log("\nReal-shaped days: what the backtest reads (books: timestamp + 80 level columns; trades: timestamp, price, quantity, side, ids, type), ours (event stream → typed arrays) vs DuckDB (1 thread, an aggregate over every column):\n");
printTable(["data", "books", "trades", "ours ms", "DuckDB 1 thread ms", "ours / DuckDB(1)", "ours CPU ms", "DuckDB CPU ms", "CPU ours / DuckDB", "load"], dayRatios);
console.log(`\nZSTD level 1 (parquet-wasm has no level setter), statistics per chunk, dictionary encoding default; reads best of ${REPS}; ${navigator.hardwareConcurrency} cores.`);

function printTable(head: string[], rows: string[][]) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => "| " + r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" | ") + " |";
  console.log(line(head));
  console.log("|" + w.map((x, i) => (i < 2 ? "-".repeat(x + 2) : "-".repeat(x + 1) + ":")).join("|") + "|");
  for (const r of rows) console.log(line(r));
}

async function collectAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type { BookBatch };
