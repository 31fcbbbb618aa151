/**
 * Reading a market's data the way the backtest reads it, ours against DuckDB on the same files:
 *   ours:   the event stream (storage/events.ts) — every book row with its timestamp and all level
 *           columns (no seq, no market), every trade with timestamp, price, quantity, side /
 *           is_buyer_maker, trade_id, trade_type — into typed arrays;
 *   DuckDB: the same columns of the same files, 1 thread, one aggregate over every column (so every
 *           page is decoded; nothing is converted to JS values).
 * Both run in this process, so besides wall time each reports the process's CPU time (all threads:
 * ours includes the collector's, DuckDB's includes its worker thread): on a machine shared with
 * other jobs, wall time measures what they leave free, CPU time the work itself.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { loadavg } from "node:os";
import { join } from "node:path";
import { partsDir } from "../../src/storage/layout.ts";
import { openEvents } from "../../src/storage/events.ts";

export interface ReadTime {
  ms: number;
  cpuMs: number;
  books: number;
  trades: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function ourRead(dataDir: string, market: string): Promise<ReadTime> {
  const spec = { dataDir, market };
  const c0 = cpuMs();
  const t0 = performance.now();
  let books = 0, trades = 0, acc = 0;
  for await (const c of openEvents({ books: spec, trades: spec, funding: null })) {
    for (const b of c.books) {
      books += b.length;
      acc += b.bidPx[b.levels - 1]![0]! || 0;
    }
    for (const t of c.trades) trades += t.length;
  }
  if (acc === -1) console.log(acc);
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, books, trades };
}

export async function duckConnection(threads = 1): Promise<DuckDBConnection> {
  const db = await (await DuckDBInstance.create(":memory:")).connect();
  await db.run(`SET threads = ${threads}`);
  return db;
}

async function columns(db: DuckDBConnection, glob: string): Promise<Map<string, string>> {
  const r = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}')`);
  return new Map(r.getRows().map((x) => [String(x[0]), String(x[1])]));
}

/** Aggregates over every column the backtest reads; returns the time and the row counts. */
export async function duckRead(db: DuckDBConnection, dataDir: string, market: string): Promise<ReadTime> {
  const bookGlob = join(partsDir(dataDir, market, "orderbook"), "*.parquet");
  const tradeGlob = join(partsDir(dataDir, market, "trades"), "*.parquet");
  const bc = await columns(db, bookGlob), tc = await columns(db, tradeGlob);
  const ts = (cols: Map<string, string>) => (cols.get("timestamp_ms")!.startsWith("TIMESTAMP") ? "sum(epoch_ms(timestamp_ms))" : "sum(timestamp_ms)");
  const levels = [...bc.keys()].filter((c) => /^(bid|ask)_(price|qty)_\d+$/.test(c)).map((c) => `sum(${c})`);
  const tradeAggs = ["sum(price)", "sum(quantity)"];
  if (tc.has("trade_id")) tradeAggs.push("sum(trade_id)");
  if (tc.has("side")) tradeAggs.push("sum(length(side))");
  if (tc.has("is_buyer_maker")) tradeAggs.push("sum(is_buyer_maker::INT)");
  if (tc.has("trade_type")) tradeAggs.push("sum(length(trade_type))");
  const c0 = cpuMs();
  const t0 = performance.now();
  const b = await db.runAndReadAll(`SELECT count(*), ${ts(bc)}, ${levels.join(", ")} FROM read_parquet('${bookGlob}')`);
  const t = await db.runAndReadAll(`SELECT count(*), ${ts(tc)}, ${tradeAggs.join(", ")} FROM read_parquet('${tradeGlob}')`);
  const ms = performance.now() - t0;
  return { ms, cpuMs: cpuMs() - c0, books: Number(b.getRows()[0]![0]), trades: Number(t.getRows()[0]![0]) };
}

/**
 * One untimed read each: parquet-wasm's initialisation, the JIT's and the wasm tiers' compilation
 * (background threads, counted in CPU time) happen once per process, not in the first measured row.
 */
export async function warmUp(db: DuckDBConnection, dataDir: string, market: string): Promise<void> {
  await ourRead(dataDir, market);
  await duckRead(db, dataDir, market);
}

/** Best of `reps` (wall and CPU) for ours and DuckDB, alternating so both see the same machine load. */
export async function compareReads(db: DuckDBConnection, dataDir: string, market: string, reps: number) {
  let ours = Infinity, duck = Infinity, oursCpu = Infinity, duckCpu = Infinity, books = 0, trades = 0;
  for (let r = 0; r < reps; r++) {
    const o = await ourRead(dataDir, market);
    const d = await duckRead(db, dataDir, market);
    if (o.books !== d.books || o.trades !== d.trades) throw new Error(`row counts differ: ours ${o.books}/${o.trades}, DuckDB ${d.books}/${d.trades}`);
    ours = Math.min(ours, o.ms);
    duck = Math.min(duck, d.ms);
    oursCpu = Math.min(oursCpu, o.cpuMs);
    duckCpu = Math.min(duckCpu, d.cpuMs);
    books = o.books;
    trades = o.trades;
  }
  return { ours, duck, ratio: ours / duck, oursCpu, duckCpu, cpuRatio: oursCpu / duckCpu, books, trades, load: loadavg()[0]! };
}
