import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bookFeatures } from "../../src/core/book_features.ts";
import { bookFeaturesRef } from "../../src/core/reference.ts";
import { concatBooks } from "../../src/storage/batch.ts";
import { orderbookPartName, partsDir } from "../../src/storage/layout.ts";
import { openBookSource } from "../../src/storage/sources.ts";
import { topOfBook } from "../../src/model/top_of_book.ts";
import { writeBookPart } from "../../src/storage/parquet/index.ts";
import { collect, randomBook, rng, FIXTURES } from "../storage/helpers.ts";

const sample = join(FIXTURES, "standx-btc-usd-2h/orderbook.parquet");

function expectSame(a: Float64Array, b: Float64Array) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`row ${i}: ${a[i]} vs ${b[i]}`);
}

describe("topOfBook (WASM kernel over projected level-0 columns)", () => {
  test("equals the TypeScript reference over a full read of the real 2-hour book", async () => {
    const full = concatBooks(await collect(openBookSource(sample)));
    const ref = bookFeaturesRef({ bidPx: full.bidPx[0], bidQty: full.bidQty[0], askPx: full.askPx[0], askQty: full.askQty[0] });
    const got = await topOfBook(openBookSource(sample, { levels: 1, seq: false }), bookFeatures);
    expect(got.length).toBe(22_293);
    expectSame(got.timestampMs, full.timestampMs);
    expectSame(got.mid, ref.mid);
    expectSame(got.spread, ref.spread);
    expectSame(got.micro, ref.micro);
    // the README's quirks: ~46 % locked, none crossed
    let locked = 0;
    for (const s of got.spread) {
      expect(s).toBeGreaterThanOrEqual(0);
      if (s === 0) locked++;
    }
    expect(locked / got.length).toBeGreaterThan(0.4);
    expect(locked / got.length).toBeLessThan(0.5);
  });

  test("concatenates a market's parts in order and honours the time window", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tob-"));
    try {
      const r = rng(7);
      const a = randomBook(r, 300, 3, "BTC-USD", 1_767_000_000_000);
      const b = randomBook(r, 200, 3, "BTC-USD", 1_767_000_100_000);
      a.bidPx[0][5] = NaN; // a one-sided row → NaN features, not a crash
      const parts = partsDir(dir, "BTC-USD", "orderbook");
      await writeBookPart(join(parts, orderbookPartName(a.timestampMs[0], a.seq[0], 0)), a);
      await writeBookPart(join(parts, orderbookPartName(b.timestampMs[0], b.seq[0], 1)), b);
      // the reference runs on what a full read gives back (the reader normalises absent levels)
      const both = concatBooks(await collect(openBookSource({ dataDir: dir, market: "BTC-USD" })));
      const ref = bookFeaturesRef({ bidPx: both.bidPx[0], bidQty: both.bidQty[0], askPx: both.askPx[0], askQty: both.askQty[0] });
      const got = await topOfBook(openBookSource({ dataDir: dir, market: "BTC-USD" }, { levels: 1, seq: false }), bookFeatures);
      expect(got.length).toBe(500);
      expectSame(got.timestampMs, both.timestampMs);
      expectSame(got.micro, ref.micro);
      expect(got.mid[5]).toBeNaN();

      const from = b.timestampMs[10];
      const win = await topOfBook(openBookSource({ dataDir: dir, market: "BTC-USD" }, { fromMs: from, levels: 1, seq: false }), bookFeatures);
      expect(win.length).toBe(190);
      expectSame(win.spread, ref.spread.subarray(310));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
