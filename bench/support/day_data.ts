/**
 * Real-shaped days for benchmarks, built from the real 2-hour StandX BTC-USD recording
 * (test/fixtures/standx-btc-usd-2h: 22,293 twenty-level book rows, 6,184 trades):
 *   - books: the recording tiled end to end with its real timing (timestamps shifted by one
 *     recording span, seq continued), 12 tiles a day → 267,516 rows/day (a real day had 261,234);
 *   - trades at the recording's rate (74,208/day), or `busy`: ≈ 166k/day as a real busy day had
 *     (165,781; 2.23× the recording's rate) — every real trade plus jittered duplicates of a
 *     random share of them: time ±250 ms (clamped inside the tile), size ×0.5–1.5, the same price
 *     and side, fresh increasing trade ids; so the extra trades follow the real intensity profile;
 *   - written once by our writer (25,000-row book parts, 50,000-row trade parts, 25,000-row row
 *     groups) and once by DuckDB from the same rows: ZSTD, one row group per part, the schema of
 *     the real DuckDB-written files (BIGINT epoch-ms timestamps, side strings, is_buyer_maker).
 * Data live under bench/.tmp/ (gitignored) and are reused while `.complete` exists.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { concatBooks, concatTrades, sliceBook, sliceTrades } from "../../src/storage/batch.ts";
import { orderbookPartName, partName, partsDir } from "../../src/storage/layout.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { rng } from "../../test/storage/helpers.ts";

export const DAY_MARKET = "BTC-USD";
const FIXTURE = join(import.meta.dir, "../../test/fixtures/standx-btc-usd-2h");
const TMP = join(import.meta.dir, "../.tmp");
const TILES_PER_DAY = 12;
/** Trades per day of the real busy day the issue measured. */
export const BUSY_TRADES_PER_DAY = 166_000;

export type Writer = "ours" | "duckdb";
export interface DaySpec {
  writer: Writer;
  busy: boolean;
  days?: number;
}

export const dayLabel = (s: DaySpec) => `${s.days ?? 1} day${(s.days ?? 1) > 1 ? "s" : ""}, ${s.busy ? "busy (≈166k trades/day)" : "real trade rate"}, ${s.writer === "ours" ? "our writer" : "DuckDB-written"}`;

/** The data dir of a real-shaped day (built on first use). */
export async function realDay(spec: DaySpec): Promise<string> {
  const days = spec.days ?? 1;
  const name = `real-${days}d-${spec.busy ? "busy" : "real"}`;
  const ours = join(TMP, `${name}-ours`);
  if (!existsSync(join(ours, ".complete"))) await writeOurs(ours, days, spec.busy);
  if (spec.writer === "ours") return ours;
  const duck = join(TMP, `${name}-duckdb`);
  if (!existsSync(join(duck, ".complete"))) await copyWithDuckDB(ours, duck);
  return duck;
}

/** The old entry point: the recording tiled to a day at its own trade rate, our writer. */
export const dayDataDir = () => realDay({ writer: "ours", busy: false });

async function readFixture(): Promise<{ book: BookBatch; trades: TradeBatch }> {
  const books: BookBatch[] = [];
  for await (const b of openBookSource(join(FIXTURE, "orderbook.parquet"))) books.push(b);
  const trades: TradeBatch[] = [];
  for await (const t of openTradeSource(join(FIXTURE, "trades.parquet"))) trades.push(t);
  return { book: concatBooks(books), trades: concatTrades(trades) };
}

/** One tile of trades: the real ones, plus (busy) jittered duplicates, sorted by time, ids fresh. */
function tradeTile(t: TradeBatch, shift: number, lo: number, hi: number, extraShare: number, r: () => number, firstId: bigint): TradeBatch {
  const rows: { ts: number; px: number; qty: number; side: number; type: number }[] = [];
  for (let i = 0; i < t.length; i++) {
    rows.push({ ts: t.timestampMs[i]! + shift, px: t.price[i]!, qty: t.quantity[i]!, side: t.side[i]!, type: t.tradeType[i]! });
    for (let extra = extraShare; extra > 0; extra--) {
      if (extra < 1 && r() >= extra) break;
      const ts = Math.min(hi, Math.max(lo, Math.round(t.timestampMs[i]! + shift + (r() - 0.5) * 500)));
      rows.push({ ts, px: t.price[i]!, qty: Math.round(t.quantity[i]! * (0.5 + r()) * 1e4) / 1e4 || t.quantity[i]!, side: t.side[i]!, type: t.tradeType[i]! });
    }
  }
  rows.sort((a, b) => a.ts - b.ts);
  const n = rows.length;
  const out: TradeBatch = {
    market: DAY_MARKET, length: n, timestampMs: new Float64Array(n), price: new Float64Array(n), quantity: new Float64Array(n),
    side: new Int8Array(n), tradeId: new BigInt64Array(n), tradeType: new Uint8Array(n),
  };
  rows.forEach((x, k) => {
    out.timestampMs[k] = x.ts;
    out.price[k] = x.px;
    out.quantity[k] = x.qty;
    out.side[k] = x.side;
    out.tradeType[k] = x.type;
    out.tradeId![k] = firstId + BigInt(k);
  });
  return out;
}

async function writeOurs(dataDir: string, days: number, busy: boolean): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  const { book: b0, trades: t0 } = await readFixture();
  const first = b0.timestampMs[0]!;
  const span = b0.timestampMs[b0.length - 1]! - first + 300;
  const extraShare = busy ? (BUSY_TRADES_PER_DAY / TILES_PER_DAY) / t0.length - 1 : 0;
  const bookDir = partsDir(dataDir, DAY_MARKET, "orderbook");
  const tradeDir = partsDir(dataDir, DAY_MARKET, "trades");
  mkdirSync(bookDir, { recursive: true });
  mkdirSync(tradeDir, { recursive: true });
  const r = rng(2026);
  // tile by tile, flushing full parts (memory: about one tile)
  let pendingB: BookBatch[] = [], pendingT: TradeBatch[] = [];
  let nb = 0, nt = 0, bk = 0, tk = 0;
  let nextId = 1_000_000_000_000_000_000n; // > 2^53, as real ids
  const flush = async (final: boolean) => {
    let all = concatBooks(pendingB);
    while (all.length >= 25_000 || (final && all.length > 0)) {
      const p = sliceBook(all, 0, Math.min(25_000, all.length));
      await writeBookPart(join(bookDir, orderbookPartName(p.timestampMs[0]!, p.seq[0]!, bk++)), p, { overwrite: true });
      all = sliceBook(all, p.length, all.length);
    }
    pendingB = all.length ? [all] : [];
    nb = all.length;
    let tr = concatTrades(pendingT);
    while (tr.length >= 50_000 || (final && tr.length > 0)) {
      const p = sliceTrades(tr, 0, Math.min(50_000, tr.length));
      await writeTradePart(join(tradeDir, partName(p.timestampMs[0]!, tk++)), p, { overwrite: true });
      tr = sliceTrades(tr, p.length, tr.length);
    }
    pendingT = tr.length ? [tr] : [];
    nt = tr.length;
  };
  for (let k = 0; k < days * TILES_PER_DAY; k++) {
    const shift = k * span;
    const b = structuredClone(b0);
    b.market = DAY_MARKET;
    for (let i = 0; i < b.length; i++) {
      b.timestampMs[i]! += shift;
      b.seq[i]! += BigInt(k * b0.length);
    }
    const t = tradeTile(t0, shift, first + shift, first + shift + span - 300, extraShare, r, nextId);
    nextId += BigInt(t.length);
    pendingB.push(b);
    pendingT.push(t);
    nb += b.length;
    nt += t.length;
    if (nb >= 25_000 || nt >= 50_000) await flush(false);
  }
  await flush(true);
  writeFileSync(join(dataDir, ".complete"), new Date().toISOString());
}

/** The same rows written by DuckDB, one file per part, in the schema of real DuckDB-written data. */
async function copyWithDuckDB(from: string, to: string): Promise<void> {
  rmSync(to, { recursive: true, force: true });
  const db = await (await DuckDBInstance.create(":memory:")).connect();
  for (const [stream, select] of [
    ["orderbook", "epoch_ms(timestamp_ms)::BIGINT AS timestamp_ms, market, seq, * EXCLUDE (timestamp_ms, market, seq)"],
    ["trades", "epoch_ms(timestamp_ms)::BIGINT AS timestamp_ms, market, trade_id, price, quantity, upper(side) AS side, is_buyer_maker"],
  ] as const) {
    const src = partsDir(from, DAY_MARKET, stream), dst = partsDir(to, DAY_MARKET, stream);
    mkdirSync(dst, { recursive: true });
    for (const f of readdirSync(src).filter((x) => x.endsWith(".parquet")).sort()) {
      await db.run(`COPY (SELECT ${select} FROM read_parquet('${join(src, f)}')) TO '${join(dst, f)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
    }
  }
  writeFileSync(join(to, ".complete"), new Date().toISOString());
}

if (import.meta.main) {
  for (const writer of ["ours", "duckdb"] as const) for (const busy of [false, true]) console.log(await realDay({ writer, busy }));
}
