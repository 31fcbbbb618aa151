import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { orderbookPartName, partName } from "../../src/storage/layout.ts";
import { openBookSource, openFundingSource, openTradeSource } from "../../src/storage/sources.ts";
import type { BookBatch } from "../../src/storage/types.ts";
import { writeBookPart, writeFundingPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { collect, randomBook, randomTrades, rng } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-rt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a reader must return for a written book: 0 → null on write; a level needs price > 0 and a quantity. */
function expectedBook(b: BookBatch): BookBatch {
  const e = concatBooks([b]);
  for (let i = 0; i < b.levels; i++) {
    for (const [px, qty] of [[e.bidPx[i], e.bidQty[i]], [e.askPx[i], e.askQty[i]]] as const) {
      for (let r = 0; r < b.length; r++) {
        const p = px[r] === 0 ? NaN : px[r];
        const q = qty[r] === 0 ? NaN : qty[r];
        const ok = p > 0 && q === q;
        px[r] = ok ? p : NaN;
        qty[r] = ok ? q : NaN;
      }
    }
  }
  return e;
}

function expectSameBook(a: BookBatch, b: BookBatch) {
  expect(a.length).toBe(b.length);
  expect(a.levels).toBe(b.levels);
  expect(a.market).toBe(b.market);
  expect(Array.from(a.timestampMs)).toEqual(Array.from(b.timestampMs));
  expect(Array.from(a.seq)).toEqual(Array.from(b.seq));
  for (let i = 0; i < a.levels; i++) {
    // toEqual treats NaN as equal to NaN
    expect(Array.from(a.bidPx[i])).toEqual(Array.from(b.bidPx[i]));
    expect(Array.from(a.bidQty[i])).toEqual(Array.from(b.bidQty[i]));
    expect(Array.from(a.askPx[i])).toEqual(Array.from(b.askPx[i]));
    expect(Array.from(a.askQty[i])).toEqual(Array.from(b.askQty[i]));
  }
}

describe("write → read round trip (property, seeded)", () => {
  test("random books over several parts and row groups read back equal", async () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const levels = 1 + Math.floor(r() * 5);
      const parts = 1 + Math.floor(r() * 3);
      const d = join(dir, `book-${seed}`);
      const written: BookBatch[] = [];
      let t0 = 1_767_000_000_000;
      for (let p = 0; p < parts; p++) {
        const b = randomBook(r, 50 + Math.floor(r() * 400), levels, "ETH-USD", t0);
        t0 = b.timestampMs[b.length - 1] + 1;
        written.push(b);
        await writeBookPart(join(d, orderbookPartName(b.timestampMs[0], b.seq[0], p)), b, { rowGroupRows: 1 + Math.floor(r() * 200) });
      }
      const read = concatBooks(await collect(openBookSource(d)));
      expectSameBook(read, expectedBook(concatBooks(written)));
    }
  });

  test("level projection returns the first N levels only", async () => {
    const r = rng(9);
    const b = randomBook(r, 300, 4, "ETH-USD");
    const d = join(dir, "proj");
    await writeBookPart(join(d, orderbookPartName(b.timestampMs[0], 1, 0)), b);
    const read = concatBooks(await collect(openBookSource(d, { levels: 1, seq: false })));
    const e = expectedBook(b);
    expect(read.levels).toBe(1);
    expect(read.bidPx.length).toBe(1);
    expect(Array.from(read.bidPx[0])).toEqual(Array.from(e.bidPx[0]));
    expect(Array.from(read.askQty[0])).toEqual(Array.from(e.askQty[0]));
    expect(Array.from(read.seq).every((s) => s === 0n)).toBe(true);
    // asking for more levels than stored pads with NaN
    const wide = concatBooks(await collect(openBookSource(d, { levels: 6 })));
    expect(wide.levels).toBe(6);
    expect(wide.bidPx[5].every((x) => Number.isNaN(x))).toBe(true);
  });

  test("random trades (ids near 2^63, unknown sides and types) read back equal", async () => {
    for (const seed of [4, 5]) {
      const r = rng(seed);
      const t = randomTrades(r, 500, "BTC-USD");
      const d = join(dir, `trades-${seed}`);
      await writeTradePart(join(d, partName(t.timestampMs[0], 0)), t, { rowGroupRows: 128 });
      const read = concatTrades(await collect(openTradeSource(d)));
      expect(read.market).toBe("BTC-USD");
      expect(Array.from(read.timestampMs)).toEqual(Array.from(t.timestampMs));
      expect(Array.from(read.price)).toEqual(Array.from(t.price));
      expect(Array.from(read.quantity)).toEqual(Array.from(t.quantity));
      expect(Array.from(read.side)).toEqual(Array.from(t.side));
      expect(Array.from(read.tradeType)).toEqual(Array.from(t.tradeType));
      expect(Array.from(read.tradeId!)).toEqual(Array.from(t.tradeId!));
    }
  });

  test("columns that are views of one buffer, or the same array twice, are written correctly", async () => {
    // arrow-js writes a corrupt IPC stream when two columns share one typed array (docs/platform.md §7.3)
    const n = 500;
    const big = new Float64Array(n * 9).map((_, i) => 1 + (i % 977));
    const col = (k: number) => big.subarray(k * n, (k + 1) * n);
    const b: BookBatch = {
      market: "ETH-USD",
      length: n,
      levels: 2,
      timestampMs: col(8),
      seq: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
      bidPx: [col(0), col(1)],
      bidQty: [col(2), col(3)],
      askPx: [col(4), col(5)],
      askQty: [col(6), col(6)],
    };
    const d = join(dir, "shared-buffers");
    await writeBookPart(join(d, orderbookPartName(b.timestampMs[0], 0, 0)), b);
    expectSameBook(concatBooks(await collect(openBookSource(d))), expectedBook(b));
  });

  test("trades without ids are read back with tradeId null", async () => {
    const t = randomTrades(rng(6), 20);
    t.tradeId = null;
    const d = join(dir, "noid");
    await writeTradePart(join(d, partName(t.timestampMs[0], 0)), t);
    const [read] = await collect(openTradeSource(d));
    expect(read.tradeId).toBeNull();
  });

  test("funding round trip and time filter", async () => {
    const n = 10;
    const f = { market: "ETH-USD", length: n, timestampMs: new Float64Array(n).map((_, i) => 1_000 + i * 100), fundingRate: new Float64Array(n).map((_, i) => (i - 5) * 1e-5) };
    const d = join(dir, "funding");
    await writeFundingPart(join(d, partName(1000, 0)), f);
    const [all] = await collect(openFundingSource(d));
    expect(Array.from(all.fundingRate)).toEqual(Array.from(f.fundingRate));
    const [some] = await collect(openFundingSource(d, { fromMs: 1200, toMs: 1500 }));
    expect(Array.from(some.timestampMs)).toEqual([1200, 1300, 1400]);
  });

  test("time filter across parts matches filtering the whole stream", async () => {
    const r = rng(11);
    const d = join(dir, "tf");
    const all = [];
    let t0 = 1_000_000;
    for (let p = 0; p < 4; p++) {
      const t = randomTrades(r, 100, "BTC-USD", t0);
      t0 = t.timestampMs[99] + 1;
      all.push(t);
      await writeTradePart(join(d, partName(t.timestampMs[0], p)), t);
    }
    const whole = concatTrades(all);
    // a window before the first part or after the last gives an empty stream, not an error
    expect(await collect(openTradeSource(d, { toMs: whole.timestampMs[0] }))).toEqual([]);
    expect(await collect(openTradeSource(d, { fromMs: whole.timestampMs[whole.length - 1] + 1 }))).toEqual([]);
    // a part whose last row has the next part's first timestamp: fromMs = that timestamp keeps both rows
    const e = join(dir, "tf-tie");
    const a1 = randomTrades(r, 3, "BTC-USD", 5_000);
    a1.timestampMs.set([5_000, 6_000, 7_000]);
    const a2 = randomTrades(r, 2, "BTC-USD", 7_000);
    a2.timestampMs.set([7_000, 8_000]);
    await writeTradePart(join(e, partName(5_000, 0)), a1);
    await writeTradePart(join(e, partName(7_000, 1)), a2);
    const tie = await collect(openTradeSource(e, { fromMs: 7_000 }));
    expect(tie.flatMap((x) => Array.from(x.timestampMs))).toEqual([7_000, 7_000, 8_000]);
    for (let k = 0; k < 5; k++) {
      const a = whole.timestampMs[Math.floor(r() * whole.length)];
      const b = a + Math.floor(r() * 30_000);
      const got = await collect(openTradeSource(d, { fromMs: a, toMs: b }));
      const ts = got.flatMap((x) => Array.from(x.timestampMs));
      expect(ts).toEqual(Array.from(whole.timestampMs).filter((x) => x >= a && x < b));
    }
  });
});

describe("source specs resolve the same data", () => {
  test("{dataDir, market}, market dir, parts dir and single file; legacy CSV fallback", async () => {
    const data = join(dir, "specs");
    const t = randomTrades(rng(31), 50, "SOL-USD");
    const partsDir = join(data, "sol_usd", "trades_parts");
    await writeTradePart(join(partsDir, partName(t.timestampMs[0], 0)), t);
    const ts = async (spec: Parameters<typeof openTradeSource>[0]) => concatTrades(await collect(openTradeSource(spec))).timestampMs;
    const want = Array.from(t.timestampMs);
    expect(Array.from(await ts({ dataDir: data, market: "SOL-USD" }))).toEqual(want);
    expect(Array.from(await ts(join(data, "sol_usd")))).toEqual(want);
    expect(Array.from(await ts(partsDir))).toEqual(want);
    expect(Array.from(await ts(join(partsDir, partName(t.timestampMs[0], 0))))).toEqual(want);
    // a market with only the legacy CSV
    const legacy = join(data, "eth_usd");
    mkdirSync(legacy, { recursive: true });
    writeFileSync(join(legacy, "trades.csv"), "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n5,x,ETH-USD,sell,1,2,3,TRADE\n");
    const [c] = await collect(openTradeSource({ dataDir: data, market: "ETH-USD" }));
    expect(c.market).toBe("ETH-USD");
    expect(c.tradeId![0]).toBe(3n);
  });
});
