import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadEventData } from "../../src/backtest/load.ts";
import { parseConfig } from "../../src/config/load.ts";
import { CalibrationEngine, engineOptionsFromConfig, type CalibrationResult, type EngineOptions } from "../../src/model/engine.ts";
import { exactMid } from "../../src/model/exact_price.ts";

/**
 * The real 2 h StandX sample in compat mode: κ/A rows change between the trade-to-book rules and
 * with the gap cap exactly where those rules predict, and the trade counts equal an independent
 * integer-arithmetic recount (prices on the 0.01 grid as integers: exact mids, exact δ signs).
 * σ is irrelevant to κ/A, so the realized estimator stands in for the full-history GARCH.
 */
const D = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
const { data: d } = await loadEventData({ books: join(D, "orderbook.parquet"), trades: join(D, "trades.parquet"), funding: null, levels: 0, tickSize: 0.1 });
const COMPAT: EngineOptions = { ...engineOptionsFromConfig(parseConfig({ compat: "original" }, "t").config), volatilityModel: "realized" };
const W = COMPAT.windowMs;
const I = (x: number) => Math.round(x * 100); // every price of the sample is on the 0.01 grid

interface Row { ts: number; book: number; trades: number; c: CalibrationResult }

/** Feeds the sample like the backtest (trades ≤ a book's ts before it), skipping events in `cut`. */
function calibrate(o: EngineOptions, cut: [number, number] = [Infinity, Infinity]): Row[] {
  const eng = new CalibrationEngine(o);
  const rows: Row[] = [];
  let it = 0;
  const skip = (t: number) => t >= cut[0] && t < cut[1];
  for (let i = 0; i < d.nBooks; i++) {
    const ts = d.bookTs[i]!;
    for (; it < d.nTrades && d.tradeTs[it]! <= ts; it++) if (!skip(d.tradeTs[it]!)) eng.onTrade(d.tradeTs[it]!, d.tradePx[it]!, d.tradeSide[it]!);
    if (skip(ts)) continue;
    eng.onBook(ts, exactMid(d.bestBid[i]!, d.bestAsk[i]!), d.bestBid[i]!, d.bestAsk[i]!, d.farBid[i]!, d.farAsk[i]!);
    if (eng.shouldRecalibrate(ts)) rows.push({ ts, book: i, trades: it, c: eng.calibrate(ts) });
  }
  return rows;
}

/** δ sign in integers: 2·price vs bid + ask of book j, on the trade's side. */
const deltaUnits = (t: number, j: number) => {
  const m2 = I(d.bestBid[j]!) + I(d.bestAsk[j]!), p2 = 2 * I(d.tradePx[t]!);
  return d.tradeSide[t]! < 0 ? m2 - p2 : p2 - m2;
};

/** Independent recount of n per side at one calibration, by brute force. */
function recount(r: Row, rule: "strictly_before" | "original"): [number, number] {
  let firstBook = r.book;
  while (firstBook > 0 && d.bookTs[firstBook - 1]! >= r.ts - W) firstBook--;
  let nB = 0, nA = 0;
  for (let t = 0; t < r.trades; t++) {
    const tt = d.tradeTs[t]!;
    if (tt < r.ts - W || d.tradeSide[t] === 0) continue;
    let j = -1;
    for (let k = rule === "original" ? firstBook : 0; k <= r.book && (rule === "original" ? d.bookTs[k]! <= tt : d.bookTs[k]! < tt); k++) j = k;
    if (j < 0) j = rule === "original" ? firstBook : -1;
    if (j < 0 || deltaUnits(t, j) <= 0) continue;
    if (d.tradeSide[t]! < 0) nB++;
    else nA++;
  }
  return [nB, nA];
}

const sameKA = (a: CalibrationResult, b: CalibrationResult) =>
  a.kappaBid === b.kappaBid && a.aBid === b.aBid && a.kappaAsk === b.kappaAsk && a.aAsk === b.aAsk;

describe("compat mode on the real StandX sample", () => {
  const orig = calibrate(COMPAT);
  const strict = calibrate({ ...COMPAT, tradeBookRule: "strictly_before" });

  test("trades sharing a millisecond with a book: the rule switch changes their δ", () => {
    let same = 0, changed = 0;
    let j = -1;
    for (let t = 0; t < d.nTrades; t++) {
      while (j + 1 < d.nBooks && d.bookTs[j + 1]! < d.tradeTs[t]!) j++;
      let k = j;
      while (k + 1 < d.nBooks && d.bookTs[k + 1] === d.tradeTs[t]) k++;
      if (j < 0 || k === j || d.tradeSide[t] === 0) continue;
      same++;
      if (deltaUnits(t, j) !== deltaUnits(t, k)) changed++;
    }
    // 2,877 of the 6,183 trades with a known side share their ms with a book; for 1,590 the δ differs
    expect(same).toBe(2877);
    expect(changed).toBe(1590);
  });

  test("per-calibration trade counts equal an exact brute-force recount under both rules", () => {
    expect(orig.length).toBe(strict.length);
    expect(orig.length).toBeGreaterThan(100);
    for (const [rows, rule] of [[orig, "original"], [strict, "strictly_before"]] as const) {
      for (const r of rows) expect([r.ts, r.c.nTradesBid, r.c.nTradesAsk]).toEqual([r.ts, ...recount(r, rule)]);
    }
  }, 60_000);

  test("κ/A differ between the rules only in windows holding a same-ms or pre-window-book trade", () => {
    let differ = 0;
    for (let k = 0; k < orig.length; k++) {
      const r = orig[k]!;
      let sensitive = 0;
      let firstBook = r.book;
      while (firstBook > 0 && d.bookTs[firstBook - 1]! >= r.ts - W) firstBook--;
      for (let t = 0; t < r.trades; t++) {
        const tt = d.tradeTs[t]!;
        if (tt < r.ts - W) continue;
        let sameMsBook = false;
        for (let b = firstBook; b <= r.book && d.bookTs[b]! <= tt; b++) if (d.bookTs[b] === tt) sameMsBook = true;
        if (sameMsBook || tt < d.bookTs[firstBook]!) sensitive++;
      }
      const same = sameKA(r.c, strict[k]!.c);
      if (!same) {
        differ++;
        expect(sensitive).toBeGreaterThan(0);
      }
      if (sensitive === 0) expect(same).toBe(true);
    }
    expect(differ).toBeGreaterThan(orig.length / 2); // the rule matters on real data
  }, 60_000);

  test("the gap cap changes exactly the windows that hold a gap longer than 60 s", () => {
    const cut: [number, number] = [d.bookTs[0]! + 1_800_000, d.bookTs[0]! + 1_980_000]; // 3 minutes removed
    const none = calibrate(COMPAT, cut);
    const capped = calibrate({ ...COMPAT, maxGapMs: 60_000 }, cut);
    let lastBefore = 0;
    for (let i = 0; i < d.nBooks && d.bookTs[i]! < cut[0]; i++) lastBefore = d.bookTs[i]!;
    expect(none.length).toBe(capped.length);
    let affected = 0;
    for (let k = 0; k < none.length; k++) {
      const r = none[k]!;
      const holdsGap = r.ts > lastBefore && lastBefore >= r.ts - W;
      if (holdsGap) affected++;
      expect([r.ts, sameKA(r.c, capped[k]!.c)]).toEqual([r.ts, !holdsGap]);
    }
    expect(affected).toBeGreaterThan(30);
  }, 120_000);
});
