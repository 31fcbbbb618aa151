import { describe, expect, test } from "bun:test";
import { FILL_BY_BOOK, FILL_CLOSE } from "../../src/sim/layout.ts";
import { intensityBins } from "../../src/report/intensity_view.ts";
import { MidAtTimes, markouts, markoutsCsv, markoutTimes, MARKOUTS_HEADER } from "../../src/report/markouts.ts";
import { bookPoint } from "../../src/model/intensity.ts";

// book: mid 100 from 0 s, 101 from 1.5 s, 100.5 from 2 s, one-sided at 3.5 s (mid kept), 100 from 5 s, 100.1 from 7 s (last row)
const BOOK = { ts: [0, 1500, 2000, 3500, 5000, 7000], bid: [99.9, 100.9, 100.4, 0, 99.9, 100], ask: [100.1, 101.1, 100.6, 100.7, 100.1, 100.2] };
// our fills: buy 2 at 1 s (mid 100), sell 1 at 2 s (mid 100), sell 1 at 3 s (mid 101), and the closing trade
const FILLS = {
  ts: [1000, 2000, 3000, 7000], side: [1, -1, -1, 1], price: [99.9, 100.1, 101.1, 100.2], size: [2, 1, 1, 1],
  fee: [0, 0, 0, 0.05], mid: [100, 100, 101, 100.1], trade: [0, FILL_BY_BOOK, 4, FILL_CLOSE],
};

function mids(times: Float64Array, cut: number[]) {
  const p = new MidAtTimes(times);
  let a = 0;
  for (const b of [...cut, BOOK.ts.length]) {
    p.feed(BOOK.ts.slice(a, b), BOOK.bid.slice(a, b), BOOK.ask.slice(a, b));
    a = b;
  }
  return p.finish();
}

describe("markouts", () => {
  test("the mid at a time is the one after every book row at or before it; past the last row, none", () => {
    const times = Float64Array.from([2000, 1999, -1, 4000, 7000, 7001]);
    const want = [100.5, 101, NaN, 100.5, 100.1, NaN];
    expect(Array.from(mids(times, []))).toEqual(want);
    expect(Array.from(mids(times, [1, 3, 4]))).toEqual(want); // chunked feeding gives the same
  });

  test("hand-computed markouts per side at 1 s and 5 s, in bps and USD with 95 % bands", () => {
    const H = [1, 5];
    const { fillIdx, times } = markoutTimes(FILLS, H);
    expect(Array.from(fillIdx)).toEqual([0, 1, 2]); // the close is not a quote
    expect(Array.from(times)).toEqual([2000, 6000, 3000, 7000, 4000, 8000]);
    const m = markouts(FILLS, fillIdx, mids(times, []), H);
    const get = (side: string, h: number) => m.find((x) => x.side === side && x.horizon_s === h)!;
    // buy at 1 s: mid 100 → 100.5 after 1 s: +0.5 = +50 bps, +$1 on 2 units; after 5 s: 100 → 0
    expect(get("buy", 1)).toEqual({ horizon_s: 1, side: "buy", n: 1, mean_bps: 50.00000000000000, ci95_bps: null, mean_usd: 1, ci95_usd: null, total_usd: 1 });
    expect(get("buy", 5)).toMatchObject({ n: 1, mean_bps: 0, mean_usd: 0 });
    // sells after 1 s: 100 → 100.5 (−50 bps, −$0.5); 101 → 100.5 with the one-sided row keeping the mid (+0.5/101 = +49.50495 bps, +$0.5)
    const b1 = [-50, (0.5 / 101) * 1e4];
    const mean = (b1[0]! + b1[1]!) / 2, sd = Math.sqrt((b1[0]! - mean) ** 2 + (b1[1]! - mean) ** 2);
    const s1 = get("sell", 1);
    expect(s1.n).toBe(2);
    expect(s1.mean_bps!).toBeCloseTo(mean, 10);
    expect(s1.ci95_bps!).toBeCloseTo((1.96 * sd) / Math.sqrt(2), 10);
    expect(s1.mean_usd!).toBeCloseTo(0, 12);
    expect(s1.ci95_usd!).toBeCloseTo((1.96 * Math.sqrt(0.5 ** 2 * 2)) / Math.sqrt(2), 12);
    // after 5 s: the first sell sees 100.1 (−10 bps); the second's horizon (8 s) is past the data
    expect(get("sell", 5)).toMatchObject({ n: 1 });
    expect(get("sell", 5).mean_bps!).toBeCloseTo(-10, 9);
    const csv = markoutsCsv(m).trim().split("\n");
    expect(csv[0]).toBe(MARKOUTS_HEADER);
    expect(csv).toHaveLength(1 + 2 * H.length);
    expect(csv[1]).toBe("buy,1,1,50,,1,,1");
  });

  test("intensity by distance: trades per bin over the exposure the book gave that bin", () => {
    // one book point for 10 s: mid 100, bids exposed from 0.1 % to 0.3 % below the mid
    const p = bookPoint(0, 100, 99.9, 100.1, 99.7, 100.3)!;
    const trades = { ts: [1000, 2000, 3000, 4000, 5000], px: [99.85, 99.85, 99.85, 99.75, 100.2], side: [-1, -1, -1, -1, 1] };
    const b = intensityBins([p], 10_000, Infinity, trades, "bid", { kappa: 1000, a: 50 }, "strictly_before", 2);
    // δ = 0.0015 ×3 and 0.0025; bins of 0.00125 up to the 95th percentile (0.0025): exposure 10 s × 0.00025 and 10 s × 0.00125
    expect(b.trades).toEqual([0, 4]);
    expect(b.observed[0]).toBe(0);
    expect(b.observed[1]!).toBeCloseTo(4 / (10 * 0.00125), 6);
    expect(b.delta_bps.map((x) => Number(x.toFixed(9)))).toEqual([6.25, 18.75]);
    expect(b.fitted[1]!).toBeCloseTo(50 * Math.exp(-1000 * 0.001875), 12);
  });

  test("intensity by distance follows the calibrator's trade-to-book rule", () => {
    // a book at 0 (mid 100) and one in the trade's own millisecond that has moved (mid 99.8)
    const p0 = bookPoint(0, 100, 99.9, 100.1, 99.7, 100.3)!;
    const p1 = bookPoint(5000, 99.8, 99.7, 99.9, 99.5, 100.1)!;
    const trades = { ts: [5000], px: [99.7], side: [-1] };
    const causal = intensityBins([p0, p1], 10_000, Infinity, trades, "bid", { kappa: 1000, a: 50 }, "strictly_before", 1);
    const original = intensityBins([p0, p1], 10_000, Infinity, trades, "bid", { kappa: 1000, a: 50 }, "original", 1);
    // strictly before: δ = (100 − 99.7)/100 = 0.003; original (same-ms book): δ = (99.8 − 99.7)/99.8
    expect(causal.delta_bps[0]! * 2).toBeCloseTo(30, 9);
    expect(original.delta_bps[0]! * 2).toBeCloseTo((0.1 / 99.8) * 1e4, 9);
  });
});
