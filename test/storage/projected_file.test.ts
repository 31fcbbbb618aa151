import { afterAll, describe, expect, test } from "bun:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBooks } from "../../src/storage/batch.ts";
import { projectParquet } from "../../src/storage/parquet/_projected_file.ts";
import { readBookFile, readerStats, readTradeFile, writeBookPart } from "../../src/storage/parquet/index.ts";
import { decodeStruct, encodeStruct } from "../../src/storage/parquet/_thrift_compact.ts";
import type { BookBatch } from "../../src/storage/types.ts";
import { collect, randomBook, rng, FIXTURES } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-proj-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STANDX_BOOK = join(FIXTURES, "standx-btc-usd-2h/orderbook.parquet");
const STANDX_TRADES = join(FIXTURES, "standx-btc-usd-2h/trades.parquet");

function footer(path: string): Uint8Array {
  const b = readFileSync(path);
  const len = b.readUInt32LE(b.length - 8);
  return new Uint8Array(b.subarray(b.length - 8 - len, b.length - 8));
}

function expectPrefixEqual(proj: BookBatch, full: BookBatch) {
  expect(proj.length).toBe(full.length);
  expect(Array.from(proj.timestampMs)).toEqual(Array.from(full.timestampMs));
  for (let i = 0; i < proj.levels; i++) {
    expect(Array.from(proj.bidPx[i])).toEqual(Array.from(full.bidPx[i]));
    expect(Array.from(proj.bidQty[i])).toEqual(Array.from(full.bidQty[i]));
    expect(Array.from(proj.askPx[i])).toEqual(Array.from(full.askPx[i]));
    expect(Array.from(proj.askQty[i])).toEqual(Array.from(full.askQty[i]));
  }
}

describe("thrift compact codec", () => {
  test("decode → encode reproduces real Parquet footers byte for byte (ours, DuckDB's)", async () => {
    const ours = join(dir, "ours.parquet");
    await writeBookPart(ours, randomBook(rng(1), 300, 3), { rowGroupRows: 100 });
    for (const p of [ours, STANDX_BOOK, STANDX_TRADES]) {
      const f = footer(p);
      const { value, length } = decodeStruct(f);
      expect(length).toBe(f.length);
      expect(Buffer.from(encodeStruct(value)).equals(Buffer.from(f))).toBe(true);
    }
  });
});

describe("projected files", () => {
  test("projected reads equal the same columns of a full read (random books, many row groups)", async () => {
    for (const seed of [2, 3, 4]) {
      const r = rng(seed);
      const levels = 2 + Math.floor(r() * 6);
      const p = join(dir, `book-${seed}.parquet`);
      await writeBookPart(p, randomBook(r, 200 + Math.floor(r() * 800), levels), { rowGroupRows: 50 + Math.floor(r() * 200) });
      const full = concatBooks(await collect(readBookFile(p)));
      for (let n = 1; n < levels; n++) {
        const before = { ...readerStats };
        const proj = concatBooks(await collect(readBookFile(p, { levels: n, seq: r() < 0.5 })));
        // a projected copy is used for narrow projections, and never fails over to the whole file
        if (n === 1) expect(readerStats.projectedReads).toBeGreaterThan(before.projectedReads);
        expect(readerStats.projectionFallbacks).toBe(before.projectionFallbacks);
        expect(proj.levels).toBe(n);
        expectPrefixEqual(proj, full);
      }
    }
  });

  test("DuckDB-written StandX file: projection equals full read; trades projection too", async () => {
    const full = concatBooks(await collect(readBookFile(STANDX_BOOK)));
    const proj = concatBooks(await collect(readBookFile(STANDX_BOOK, { levels: 2, seq: false })));
    expectPrefixEqual(proj, full);
    expect(proj.market).toBe("BTC-USD");
    const [t] = await collect(readTradeFile(STANDX_TRADES));
    expect(t.length).toBe(6184);
  });

  test("DuckDB reads a projected file and finds the same values", async () => {
    const bytes = projectParquet(STANDX_BOOK, ["timestamp_ms", "bid_price_0", "ask_qty_3"], [0])!;
    expect(bytes).not.toBeNull();
    expect(bytes.length).toBeLessThan(readFileSync(STANDX_BOOK).length / 4);
    const p = join(dir, "projected.parquet");
    writeFileSync(p, bytes);
    const con = await (await DuckDBInstance.create(":memory:")).connect();
    const q = (f: string) => `SELECT count(*), sum(timestamp_ms), sum(bid_price_0), sum(ask_qty_3) FROM '${f}'`;
    const a = (await con.runAndReadAll(q(p))).getRowsJS();
    const b = (await con.runAndReadAll(q(STANDX_BOOK))).getRowsJS();
    expect(a).toEqual(b);
    const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM '${p}'`)).getRowsJS().map((x) => x[0]);
    expect(cols).toEqual(["timestamp_ms", "bid_price_0", "ask_qty_3"]);
  });

  test("nothing to project, or not a Parquet file → null (caller reads the whole file)", async () => {
    const p = join(dir, "ours.parquet");
    const all = (await collect(readBookFile(p)))[0];
    const names = ["timestamp_ms", "market", "seq"];
    for (let i = 0; i < all.levels; i++) names.push(`bid_price_${i}`, `bid_qty_${i}`, `ask_price_${i}`, `ask_qty_${i}`);
    expect(projectParquet(p, names, [0])).toBeNull();
    expect(projectParquet(p, ["no_such_column"], [0])).toBeNull();
    expect(projectParquet(p, ["timestamp_ms"], [99])).toBeNull();
    // keeping most of the bytes is not worth a copy
    expect(projectParquet(p, names.slice(1), [0])).toBeNull();
    expect(projectParquet(p, names.slice(1), [0], 1)).not.toBeNull();
    const g = join(dir, "garbage.parquet");
    writeFileSync(g, "PAR1 this is not a parquet file at all PAR1");
    expect(projectParquet(g, ["timestamp_ms"], [0])).toBeNull();
  });
});
