import { describe, expect, test } from "bun:test";
import { BookChecker } from "../../src/verify/book_checks.ts";
import { CHECK_IDS, Tally, type CheckId } from "../../src/verify/tally.ts";
import { TradeChecker, isCovered } from "../../src/verify/trade_checks.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { T0, cleanBook, cleanTrades, cloneBook, cloneTrades, pickBook, pickTrades, range } from "./fixtures.ts";

const GAP_MS = 5_000;

function check(books: BookBatch[], trades: TradeBatch[] = [], tolBps = 50) {
  const tally = new Tally(3);
  const bc = new BookChecker(tally, GAP_MS);
  books.forEach((b, i) => bc.push(b, `book${i}`));
  const book = bc.finish();
  const tc = new TradeChecker(tally, book.timeline, tolBps);
  trades.forEach((t, i) => tc.push(t, `trades${i}`));
  return { tally, book, trades: tc.finish() };
}

/** Every count is zero except the ones listed, which must match exactly. */
function expectCounts(tally: Tally, expected: Partial<Record<CheckId, number>>) {
  const got: Record<string, number> = {};
  const want: Record<string, number> = {};
  for (const id of CHECK_IDS) {
    got[id] = tally.count(id);
    want[id] = expected[id] ?? 0;
  }
  expect(got).toEqual(want);
}

const N = 1200;
const base = cleanBook(N);
const baseTrades = cleanTrades(base);

describe("clean data", () => {
  test("no finding at all", () => {
    const { tally, book, trades } = check([base], [baseTrades]);
    expectCounts(tally, {});
    expect(book.rows).toBe(N);
    expect(trades.rows).toBe(baseTrades.length);
    expect(trades.idsChecked).toBe(true);
  });
  test("split over several parts is still clean", () => {
    const { tally } = check([pickBook(base, range(0, 400)), pickBook(base, range(400, N))], [pickTrades(baseTrades, range(0, 100)), pickTrades(baseTrades, range(100, baseTrades.length))]);
    expectCounts(tally, {});
  });
});

describe("book defects, each injected alone, counted exactly", () => {
  test("duplicate rows, adjacent and far apart; examples carry file and row", () => {
    const idx = [...range(0, 50), 49, ...range(50, 700), 10, ...range(700, N)];
    const { tally } = check([pickBook(base, idx)]);
    expectCounts(tally, { book_duplicate: 2 });
    expect(tally.examples.get("book_duplicate")!.map((e) => [e.file, e.row])).toEqual([
      ["book0", 50],
      ["book0", 701],
    ]);
  });
  test("seq gap from three missing rows", () => {
    const { tally } = check([pickBook(base, [...range(0, 100), ...range(103, N)])]);
    expectCounts(tally, { seq_gap: 1 });
    expect(tally.examples.get("seq_gap")![0].detail).toContain("3 missing");
  });
  test("seq regression (seq restarts lower)", () => {
    const b = cloneBook(base);
    for (let r = 200; r < N; r++) b.seq[r] -= 5n;
    expectCounts(check([b]).tally, { seq_regression: 1 });
  });
  test("a restart at seq 1 with time moving on is a reconnect (warning), not a regression", () => {
    const b = cloneBook(base);
    for (let r = 600; r < N; r++) b.seq[r] = BigInt(r - 599);
    const c = cloneBook(base);
    for (let r = 600; r < N; r++) c.seq[r] = BigInt(r - 599);
    c.timestampMs[600] = c.timestampMs[599] - 1; // seq 1 but time went back: a regression of both
    expectCounts(check([b]).tally, { seq_reset: 1 });
    expectCounts(check([c]).tally, { seq_regression: 1, book_ts_regression: 1 });
  });
  test("seq gap across a part boundary", () => {
    const b2 = pickBook(base, range(601, N));
    expectCounts(check([pickBook(base, range(0, 600)), b2]).tally, { seq_gap: 1 });
  });
  test("timestamp regression", () => {
    const b = cloneBook(base);
    b.timestampMs[300] = b.timestampMs[299] - 50;
    b.timestampMs[900] = b.timestampMs[899] - 1;
    const { tally } = check([b], [baseTrades]);
    expectCounts(tally, { book_ts_regression: 2 });
  });
  test("crossed and locked books", () => {
    const b = cloneBook(base);
    b.bidPx[0][10] = b.askPx[0][10] + 0.1;
    b.bidPx[0][20] = b.askPx[0][20];
    b.bidPx[0][21] = b.askPx[0][21];
    expectCounts(check([b]).tally, { crossed: 1, locked: 2 });
  });
  test("crossed/locked compare the first usable level of each side; a one-sided row is neither", () => {
    const b = cloneBook(base);
    b.bidPx[0][10] = NaN; // unusable best bid (size kept): level 1 is the best bid now
    b.bidPx[1][10] = b.askPx[0][10] + 1;
    for (let i = 0; i < b.levels; i++) (b.askPx[i][30] = NaN), (b.askQty[i][30] = NaN); // no asks at all
    b.bidPx[0][31] = b.askPx[0][31]; // locked, then an exact duplicate of that row
    const d = pickBook(b, [...range(0, 32), 31, ...range(32, N)]);
    const tally = new Tally(3);
    const bc = new BookChecker(tally, GAP_MS);
    bc.push(d, "f", 100);
    expectCounts(tally, { crossed: 1, locked: 1, book_bad_value: 1, book_duplicate: 1 });
    expect(tally.examples.get("crossed")![0]).toMatchObject({ file: "f", row: 110 });
    expect(tally.examples.get("locked")![0]).toMatchObject({ file: "f", row: 131 });
  });
  test("bid levels not strictly descending, asks not strictly ascending", () => {
    const b = cloneBook(base);
    b.bidPx[2][30] = b.bidPx[1][30]; // equal is a violation too
    b.bidPx[4][31] = b.bidPx[0][31] + 1;
    b.askPx[3][40] = b.askPx[2][40] - 0.05;
    expectCounts(check([b]).tally, { bid_order: 2, ask_order: 1 });
  });
  test("non-positive and NaN prices and sizes", () => {
    const b = cloneBook(base);
    b.bidQty[1][50] = -1;
    b.askPx[2][51] = NaN; // size present, price missing
    b.bidPx[0][52] = 0;
    b.askQty[0][53] = 0;
    b.bidQty[3][53] = NaN; // same row: still one row
    expectCounts(check([b]).tally, { book_bad_value: 4 });
  });
  test("holes: an empty level before a non-empty one", () => {
    const b = cloneBook(base);
    b.bidPx[1][60] = b.bidQty[1][60] = NaN;
    b.askPx[0][61] = b.askQty[0][61] = NaN;
    // an empty tail is not a hole
    b.askPx[4][62] = b.askQty[4][62] = NaN;
    expectCounts(check([b]).tally, { book_hole: 2 });
  });
  test("outages longer than the gap threshold, listed with start, end and duration", () => {
    const b = cloneBook(base);
    for (let r = 500; r < N; r++) b.timestampMs[r] += 10_000;
    for (let r = 800; r < N; r++) b.timestampMs[r] += GAP_MS - 100; // exactly the threshold: not an outage
    const { tally, book } = check([b]);
    expectCounts(tally, { outage: 1 });
    expect(book.outages).toEqual([{ startMs: T0 + 49_900, endMs: T0 + 60_000, durationS: 10.1, file: "book0", row: 500 }]);
  });
});

describe("trade defects, each injected alone, counted exactly", () => {
  test("duplicated trade ids (bigint ids above 2^53)", () => {
    const t = pickTrades(baseTrades, [...range(0, 30), 29, ...range(30, 200), 3, ...range(200, baseTrades.length)]);
    expectCounts(check([base], [t]).tally, { trade_duplicate_id: 2 });
  });
  test("trade timestamp regression", () => {
    const t = cloneTrades(baseTrades);
    t.timestampMs[100] = t.timestampMs[99] - 10;
    expectCounts(check([base], [t]).tally, { trade_ts_regression: 1 });
  });
  test("non-positive or NaN trade price and size", () => {
    const t = cloneTrades(baseTrades);
    t.price[5] = 0;
    t.quantity[6] = NaN;
    t.price[7] = -3;
    expectCounts(check([base], [t]).tally, { trade_bad_value: 3 });
  });
  test("trades before, after and inside an outage are uncovered", () => {
    const b = cloneBook(base);
    for (let r = 500; r < N; r++) b.timestampMs[r] += 60_000;
    const extra = [T0 - 1, T0 + 49_901, T0 + 80_000, T0 + 109_999, b.timestampMs[N - 1] + 1];
    const t = cloneTrades({ ...baseTrades, length: extra.length, timestampMs: Float64Array.from(extra), price: new Float64Array(5).fill(1000), quantity: new Float64Array(5).fill(1), side: new Int8Array(5), tradeId: null, tradeType: new Uint8Array(5) });
    const { tally, trades } = check([b], [t]);
    expectCounts(tally, { outage: 1, trade_uncovered: 5 });
    expect(trades.idsChecked).toBe(false);
  });
  test("coverage includes both ends of a stretch", () => {
    const { book } = check([base]);
    expect(isCovered(book.timeline, T0)).toBe(true);
    expect(isCovered(book.timeline, T0 + (N - 1) * 100)).toBe(true);
    expect(isCovered(book.timeline, T0 - 1)).toBe(false);
  });
  test("prices far outside the book; a trade sees the book strictly before its millisecond", () => {
    const t = cloneTrades(baseTrades);
    const r = (k: number) => Math.floor((t.timestampMs[k] - T0) / 100);
    t.price[10] = base.askPx[0][r(10)] * 1.0051; // 51 bps above the ask
    t.price[11] = base.bidPx[0][r(11)] * (1 - 0.0049); // 49 bps below the bid: tolerated
    t.price[12] = base.bidPx[0][r(12)] * 0.99;
    expectCounts(check([base], [t]).tally, { trade_off_book: 2 });

    const b = cloneBook(base);
    for (const a of [b.bidPx, b.askPx]) for (const lvl of a) lvl[700] *= 1.2; // one far-away row
    const at = (ms: number, px: number) => ({ ...cloneTrades(baseTrades), length: 1, timestampMs: Float64Array.of(ms), price: Float64Array.of(px), quantity: Float64Array.of(1), side: Int8Array.of(1), tradeId: BigInt64Array.of(1n), tradeType: Uint8Array.of(0) });
    const px = (b.bidPx[0][701] + b.askPx[0][701]) / 2;
    expectCounts(check([b], [at(b.timestampMs[701], px)]).tally, { trade_off_book: 1 }); // sees row 700
    expectCounts(check([b], [at(b.timestampMs[701] + 1, px)]).tally, {}); // sees row 701
  });
});
