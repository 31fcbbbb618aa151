/**
 * The zero-copy FFI views of parquet-wasm's output (_ffi.ts) against the IPC path they replace:
 * every column of every batch must hold the same values (nulls, offsets, strings, booleans,
 * dictionaries, decimals, timestamps) — on the real DuckDB-written fixture, on our own parts with
 * null levels and ids, and on DuckDB-written files of every type the readers accept.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { Dictionary, Float64, Int32, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readParquetFFI } from "../../src/storage/parquet/_ffi.ts";
import { parquet, readBookFile, readerStats, readTradeFile, writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { FIXTURES, randomBook, randomTrades, rng } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-ffi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Column values as plain JS (bigints, strings, booleans, null), for an exact comparison. */
function values(t: Table): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const f of t.schema.fields) {
    const v = t.getChild(f.name)!;
    out[f.name] = Array.from({ length: v.length }, (_, i) => {
      const x = v.get(i);
      return x === null || typeof x !== "object" ? x : String(x);
    });
  }
  return out;
}

function expectSameAsIpc(bytes: Uint8Array, opts: { batchSize?: number; rowGroups?: number[]; limit?: number } = {}) {
  const pw = parquet();
  const ipc = tableFromIPC(pw.readParquet(bytes, opts).intoIPCStream());
  const ffi = readParquetFFI(pw, bytes, opts);
  expect(ffi).not.toBeNull();
  try {
    expect(ffi!.count).toBe(ipc.batches.length);
    for (let i = 0; i < ffi!.count; i++) {
      const got = ffi!.table(i);
      expect(got.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(ipc.schema.fields.map((f) => `${f.name}:${f.type}`));
      const want = values(new Table(ipc.batches[i]!));
      expect(values(got)).toEqual(want);
    }
  } finally {
    ffi!.free();
  }
  return ipc.numRows;
}

describe("FFI views equal the IPC path", () => {
  test("the real DuckDB-written StandX files (BIGINT ms, VARCHAR, BOOLEAN)", () => {
    for (const f of ["orderbook.parquet", "trades.parquet"]) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, "standx-btc-usd-2h", f)));
      expect(expectSameAsIpc(bytes, { batchSize: 5000 })).toBeGreaterThan(6000);
      expectSameAsIpc(bytes, { limit: 777, batchSize: 100 });
    }
  });

  test("our parts: null levels, null sides and ids, several row groups, sliced batches", async () => {
    const r = rng(5);
    const book = join(dir, "book.parquet"), trades = join(dir, "trades.parquet");
    await writeBookPart(book, randomBook(r, 3000, 5), { rowGroupRows: 700 });
    const t = randomTrades(r, 2500);
    t.tradeId![3] = 0n;
    await writeTradePart(trades, t, { rowGroupRows: 600 });
    for (const f of [book, trades]) {
      const bytes = new Uint8Array(readFileSync(f));
      expectSameAsIpc(bytes, { batchSize: 333 });
      expectSameAsIpc(bytes, { rowGroups: [1, 3], batchSize: 10_000 });
    }
  });

  test("DuckDB-written types: DECIMAL, TIMESTAMP µs, INTEGER, FLOAT, VARCHAR, BOOLEAN, nulls", async () => {
    const con = await (await DuckDBInstance.create(":memory:")).connect();
    const f = join(dir, "types.parquet");
    await con.run(`COPY (SELECT i::INTEGER AS i32, (i * 0.25)::DECIMAL(12, 3) AS dec, (i / 3)::FLOAT AS f32,
      make_timestamp(1700000000000000 + i * 1000) AS ts_us, CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 1.5)::DOUBLE END AS px,
      CASE WHEN i % 5 = 0 THEN NULL WHEN i % 2 = 0 THEN 'BUY' ELSE 'SELL' END AS side, i % 3 = 0 AS flag,
      (i::BIGINT * 4294967311) AS big FROM range(5000) t(i)) TO '${f}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const bytes = new Uint8Array(readFileSync(f));
    expect(expectSameAsIpc(bytes, { batchSize: 1500 })).toBe(5000);
  });

  test("dictionary-encoded strings (the Arrow schema hint of a parquet-wasm-written file)", () => {
    const pw = parquet();
    const n = 4000;
    const side = vectorFromArray(Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : i % 2 ? "BUY" : "SELL")), new Dictionary(new Utf8(), new Int32()));
    const px = vectorFromArray(Array.from({ length: n }, (_, i) => i * 0.5), new Float64());
    const table = new Table({ side, px });
    const bytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, "stream")));
    const back = tableFromIPC(pw.readParquet(bytes).intoIPCStream());
    expect(String(back.schema.fields[0]!.type)).toContain("Dictionary");
    expect(expectSameAsIpc(bytes, { batchSize: 1000 })).toBe(n);
  });

  test("the readers take the FFI path for market data (no IPC round trip)", async () => {
    const before = readerStats.ipcReads;
    let rows = 0;
    for await (const b of readBookFile(join(FIXTURES, "standx-btc-usd-2h", "orderbook.parquet"))) rows += b.length;
    for await (const t of readTradeFile(join(FIXTURES, "standx-btc-usd-2h", "trades.parquet"))) rows += t.length;
    expect(rows).toBe(22_293 + 6_184);
    expect(readerStats.ipcReads).toBe(before);
  });
});
