import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tableFromIPC, type Table } from "apache-arrow";
import { bookFeatures, type TopOfBook } from "../../src/core/book_features.ts";
import { bookFeaturesRef } from "../../src/core/reference.ts";
import { parquet } from "../../src/storage/parquet/index.ts";

const sample = join(import.meta.dir, "../fixtures/standx-btc-usd-2h/orderbook.parquet");

function column(table: Table, name: string): Float64Array {
  const v = table.getChild(name)!;
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v.get(i) ?? NaN;
  return out;
}

function expectSame(a: Float64Array, b: Float64Array) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    // Bit-identical, NaN included: both sides do the same IEEE operations in the same order.
    if (!Object.is(a[i], b[i])) throw new Error(`row ${i}: wasm ${a[i]} vs ts ${b[i]}`);
  }
}

function randomTop(n: number, seed: number): TopOfBook {
  let s = seed;
  const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const pick = () => {
    const r = rnd();
    return r < 0.05 ? NaN : r < 0.08 ? 0 : r < 0.1 ? -1 : 100 + rnd() * 10;
  };
  const arr = () => Float64Array.from({ length: n }, pick);
  return { bidPx: arr(), bidQty: arr(), askPx: arr(), askQty: arr() };
}

describe("WASM core: bookFeatures", () => {
  test("matches the TypeScript reference bit for bit on the real 2-hour StandX book", () => {
    const pw = parquet();
    const wt = pw.readParquet(readFileSync(sample), { columns: ["bid_price_0", "bid_qty_0", "ask_price_0", "ask_qty_0"] });
    const table = tableFromIPC(wt.intoIPCStream());
    const top: TopOfBook = {
      bidPx: column(table, "bid_price_0"),
      bidQty: column(table, "bid_qty_0"),
      askPx: column(table, "ask_price_0"),
      askQty: column(table, "ask_qty_0"),
    };
    expect(top.bidPx.length).toBe(22_293);
    const w = bookFeatures(top);
    const r = bookFeaturesRef(top);
    expectSame(w.mid, r.mid);
    expectSame(w.spread, r.spread);
    expectSame(w.micro, r.micro);
    // The sample is never crossed and often locked (README of the data): spreads are ≥ 0.
    const spreads = Array.from(w.spread).filter(Number.isFinite);
    expect(spreads.length).toBe(22_293);
    expect(Math.min(...spreads)).toBeGreaterThanOrEqual(0);
    // Microprice lies between bid and ask.
    for (let i = 0; i < top.bidPx.length; i++) {
      expect(w.micro[i]).toBeGreaterThanOrEqual(top.bidPx[i]);
      expect(w.micro[i]).toBeLessThanOrEqual(top.askPx[i]);
    }
  });

  test("matches the reference on random input with NaN, zero and negative prices", () => {
    for (const [n, seed] of [[0, 1], [1, 2], [7, 3], [10_000, 4]] as const) {
      const top = randomTop(n, seed);
      const w = bookFeatures(top);
      const r = bookFeaturesRef(top);
      expectSame(w.mid, r.mid);
      expectSame(w.spread, r.spread);
      expectSame(w.micro, r.micro);
    }
  });

  test("a missing or non-positive side yields NaN, not a number", () => {
    const top: TopOfBook = {
      bidPx: Float64Array.of(100, NaN, 0, 100),
      bidQty: Float64Array.of(1, 1, 1, 0),
      askPx: Float64Array.of(101, 101, 101, 102),
      askQty: Float64Array.of(3, 1, 1, 0),
    };
    const w = bookFeatures(top);
    expect(Array.from(w.mid)).toEqual([100.5, NaN, NaN, 101]);
    expect(w.micro[0]).toBeCloseTo((100 * 3 + 101 * 1) / 4, 12);
    expect(w.micro[3]).toBe(101); // no size on either side: falls back to mid
  });

  test("successive calls do not leak memory: the arena is reset", () => {
    const top = randomTop(50_000, 9);
    bookFeatures(top);
    const { core } = require("../../src/core/wasm.ts");
    const pages = core().memory.buffer.byteLength;
    for (let i = 0; i < 20; i++) bookFeatures(top);
    expect(core().memory.buffer.byteLength).toBe(pages);
  });
});
