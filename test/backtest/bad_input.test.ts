import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { EventDataBuilder } from "../../src/sim/data.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { DataError } from "../../src/errors.ts";
import { allocBook, allocTrades } from "../../src/storage/batch.ts";

function books(ts: number[], px: number[] = ts.map(() => 100)) {
  const b = allocBook("T", 2, ts.length);
  ts.forEach((t, i) => {
    b.timestampMs[i] = t;
    b.bidPx[0]![i] = px[i]! - 0.1;
    b.askPx[0]![i] = px[i]! + 0.1;
    b.bidQty[0]![i] = b.askQty[0]![i] = 1;
  });
  return b;
}
function trades(ts: number[], px: number[] = ts.map(() => 100)) {
  const t = allocTrades("T", ts.length, false);
  ts.forEach((x, i) => ((t.timestampMs[i] = x), (t.price[i] = px[i]!), (t.quantity[i] = 1), (t.side[i] = 1)));
  return t;
}

describe("event data validation", () => {
  test("no data at all, and trades without books, are clear DataErrors", () => {
    expect(() => new EventDataBuilder(0, 0.1).build()).toThrow(/no order-book rows and no trades/);
    const b = new EventDataBuilder(0, 0.1);
    b.addTrades(trades([1, 2]));
    expect(() => b.build()).toThrow(/no order-book rows \(found 2 trades\)/);
  });
  test("unsorted rows are rejected with the row and timestamps", () => {
    expect(() => new EventDataBuilder(0, 0.1).addBooks(books([1, 3, 2]), "ob.parquet")).toThrow(/ob\.parquet: rows not in time order at row 2 \(2 after 3\)/);
    expect(() => new EventDataBuilder(0, 0.1).addTrades(trades([5, 4]))).toThrow(DataError);
    expect(() => new EventDataBuilder(0, 0.1).addBooks(books([1, NaN]))).toThrow(/row 1 has timestamp NaN/);
  });
  test("exact duplicate trades and NaN/≤0 trade prices are dropped and counted; NaN book prices make a side empty", () => {
    const b = new EventDataBuilder(2, 0.1);
    const bk = books([1, 2, 3]);
    bk.bidPx[0]![1] = NaN;
    b.addBooks(bk);
    b.addTrades(trades([1, 1, 2, 3, 4], [100, 100, NaN, -5, 100.2]));
    const d = b.build();
    expect(d.nTrades).toBe(2);
    expect(b.stats).toEqual({ badTrades: 2, duplicateTrades: 1, oneSidedBooks: 1, crossedBooks: 0 });
    expect(d.bestBid[1]).toBe(0);
    expect(d.bidTk[2 * 1]).toBe(-1);
  });
  test("level prices beyond 2^31 ticks are a DataError for the queue model, not a silent wrap", () => {
    // 1e6 / 1e-4 = 1e10 ticks: an i32 tick count would wrap and corrupt queue positions
    expect(() => new EventDataBuilder(2, 1e-4).addBooks(books([1, 2], [100, 1e6]), "ob.parquet")).toThrow(
      /ob\.parquet: row 1 level 0 price 999999\.9 is over 2\^31 ticks of 0\.0001/,
    );
    const ok = new EventDataBuilder(2, 1e-4); // 2e9 ticks still fit
    ok.addBooks(books([1], [200_000]));
    expect(ok.build().bidTk[0]).toBe(1_999_999_000);
    expect(() => new EventDataBuilder(0, 1e-4).addBooks(books([1], [1e6]))).not.toThrow(); // no levels kept (cross/strict)
  });
  test("equal timestamps are not duplicates when anything else differs", () => {
    const b = new EventDataBuilder(0, 0.1);
    b.addBooks(books([1]));
    b.addTrades(trades([1, 1, 1], [100, 100.1, 100]));
    expect(b.build().nTrades).toBe(3);
  });
});

describe("end to end on degenerate inputs: no crash, no NaN metric", () => {
  const dir = mkdtempSync(join(tmpdir(), "bt-bad-"));
  const cfg = v.parse(ConfigSchema, { tick_size: 0.1, warmup_period_seconds: 0 });
  const bookCsv = (rows: string[]) => {
    const p = join(dir, `ob_${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(p, ["timestamp_ms,bid_price0,bid_qty0,ask_price0,ask_qty0", ...rows].join("\n") + "\n");
    return p;
  };
  const tradeCsv = (rows: string[]) => {
    const p = join(dir, `tr_${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(p, ["timestamp_ms,price,quantity,side", ...rows].join("\n") + "\n");
    return p;
  };
  const finite = (s: object) => {
    for (const [k, x] of Object.entries(s)) if (typeof x === "number") expect([k, Number.isFinite(x)]).toEqual([k, true]);
  };
  const ob = bookCsv(Array.from({ length: 200 }, (_, i) => `${1_700_000_000_000 + i * 1000},${100 + (i % 3) * 0.1},1,${100.2 + (i % 3) * 0.1},1`));

  test("books without (usable) trades: runs, zero fills, finite metrics", async () => {
    // the only trade lies before the selected window, leaving books and no trades
    const out = await runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: ob, tradesPath: tradeCsv(["1699999999000,100,1,buy"]), fromMs: 1_700_000_000_000 });
    expect(out.summary.total_fills).toBe(0);
    expect(out.summary.final_pnl).toBe(0);
    expect(out.summary.sharpe).toBeNull();
    finite(out.summary);
  });
  test("missing trades file or empty book file: DataError naming the path", async () => {
    await expect(runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: ob, tradesPath: join(dir, "nope.csv") })).rejects.toThrow(/nope\.csv/);
    // an empty book file: the storage layer may refuse it (naming the file) or yield no rows
    await expect(runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: bookCsv([]), tradesPath: tradeCsv(["1700000000500,100,1,buy"]) })).rejects.toThrow(/no order-book rows|ob_.*\.csv/);
    // a header-only trades file: refused by storage, or read as no trades (then zero fills)
    const e = await runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: ob, tradesPath: tradeCsv([]) }).catch((x) => x);
    if (e instanceof Error) expect(e).toBeInstanceOf(DataError);
    else {
      expect(e.summary.total_fills).toBe(0);
      finite(e.summary);
    }
  });
  test("a single book row and a window with nothing in it", async () => {
    const one = await runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: bookCsv(["1700000000000,100,1,100.2,1"]), tradesPath: tradeCsv(["1700000000500,100,1,buy"]) });
    expect(one.summary.total_fills).toBe(0);
    finite(one.summary);
    await expect(runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: ob, tradesPath: tradeCsv(["1700000000500,100,1,buy"]), fromMs: 1, toMs: 2 })).rejects.toThrow(/no order-book rows/);
  });
  test("unsorted trades file: DataError", async () => {
    const tr = tradeCsv(["1700000005000,100.3,1,buy", "1700000004000,100.3,1,buy"]);
    await expect(runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: ob, tradesPath: tr })).rejects.toThrow(/not in time order/);
  });
  test("a market whose book is always one-sided never quotes and stays finite", async () => {
    const half = bookCsv(Array.from({ length: 50 }, (_, i) => `${1_700_000_000_000 + i * 1000},100,1,,`));
    const out = await runBacktest({ config: cfg, dataDir: dir, market: "T", orderbookPath: half, tradesPath: tradeCsv(["1700000010000,99,1,sell"]) }).catch((e) => e);
    if (out instanceof Error) expect(out).toBeInstanceOf(DataError); // CSV reader may refuse empty cells: still a clear error
    else {
      expect(out.summary.quotes_computed).toBe(0);
      finite(out.summary);
    }
  });
});
