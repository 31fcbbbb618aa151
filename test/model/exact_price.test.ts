import { describe, expect, test } from "bun:test";
import { commonScale, exactMid, relativeDistance } from "../../src/model/exact_price.ts";
import { bookRanges, tradeDelta } from "../../src/model/intensity.ts";
import { CalibrationEngine, engineOptionsFromConfig } from "../../src/model/engine.ts";
import { ReferenceCalibrator } from "../../src/model/reference_calibrator.ts";
import { seededRandom } from "../../src/model/prng.ts";
import { defaultConfig } from "../../src/config/load.ts";

const ENGINE_DEFAULTS = engineOptionsFromConfig(defaultConfig());

describe("exact mids and trade distances", () => {
  test("the issue's case: a buy at 93818.3 against 93818.2 / 93818.4 is at the mid", () => {
    const f64 = (93818.2 + 93818.4) / 2;
    expect(f64).toBe(93818.29999999999); // the defect: f64 half-sum is one ulp low
    expect((93818.3 - f64) / f64).toBeCloseTo(1.55e-16, 18);
    expect(exactMid(93818.2, 93818.4)).toBe(93818.3);
    for (const mid of [f64, exactMid(93818.2, 93818.4)]) {
      expect(relativeDistance(93818.3, mid, 1)).toBe(0);
      expect(relativeDistance(93818.3, mid, -1)).toBe(0);
      expect(tradeDelta(93818.3, mid, 1)).toBeNaN();
      expect(tradeDelta(93818.3, mid, -1)).toBeNaN();
    }
  });

  test("book grid coarser or finer than the trade prices", () => {
    expect(commonScale(93818.2, 93818.35)).toBe(100); // 0.1 book, 0.01 trade → 0.01
    expect(commonScale(0.000123, 5)).toBe(1e6);
    expect(commonScale(Math.PI, 1)).toBe(0); // no short decimal: f64 fallback
    // 0.1 book with a half-tick mid; trade at the mid on a 0.01 grid
    expect(tradeDelta(93818.25, exactMid(93818.2, 93818.3), 1)).toBeNaN();
    // 0.001 book (finer than the 0.01 trades)
    expect(tradeDelta(3.01, exactMid(3.005, 3.015), -1)).toBeNaN();
    expect(tradeDelta(3.02, exactMid(3.005, 3.015), 1)).toBe(2 / 602); // (2·302 − 602)/602, one rounding
    // the f64 fallback still answers for arbitrary doubles
    expect(relativeDistance(Math.PI + 1, Math.PI, 1)).toBe(1 / Math.PI);
  });

  test("random books on grids where f64 rounds: trades at the mid always have δ = 0", () => {
    const rnd = seededRandom(7);
    let f64Wrong = 0;
    const cases = 20_000;
    for (let i = 0; i < cases; i++) {
      const bookDec = 1 + Math.floor(rnd() * 3); // 0.1 … 0.001
      const scale = 10 ** bookDec;
      const b = 1_000_000 + Math.floor(rnd() * 100_000_000);
      const a = b + 1 + Math.floor(rnd() * 20);
      const bid = b / scale, ask = a / scale;
      const midText = ((a + b) / (2 * scale)).toFixed(bookDec + 1);
      const trade = Number(midText); // the trade prints at the exact mid (one more decimal)
      const naive = (bid + ask) / 2;
      if ((trade - naive) / naive !== 0) f64Wrong++;
      expect(tradeDelta(trade, naive, 1)).toBeNaN();
      expect(tradeDelta(trade, naive, -1)).toBeNaN();
      expect(exactMid(bid, ask)).toBe(trade);
      // one unit of the trade's grid away: δ = ±1 unit / mid, with the right sign
      const up = Number(((a + b) / (2 * scale) + 10 ** -(bookDec + 1)).toFixed(bookDec + 1));
      const d = tradeDelta(up, naive, 1);
      expect(d).toBeGreaterThan(0);
      expect(tradeDelta(up, naive, -1)).toBeNaN();
      expect(Math.abs(d - 10 ** -(bookDec + 1) / trade) / d).toBeLessThan(1e-12);
    }
    expect(f64Wrong).toBeGreaterThan(cases / 20); // the grids chosen do make f64 round
  });

  test("book ranges are exact: a locked or half-tick book has δmin = 0 exactly on the locked side", () => {
    const r = bookRanges(exactMid(93818.2, 93818.2), 93818.2, 93818.2, 93800, 93900);
    expect(r[0]).toBe(0);
    expect(r[2]).toBe(0);
    const h = bookRanges((0.3 + 0.6) / 2, 0.3, 0.6, 0.1, 0.8); // f64: 0.44999999999999996
    expect(h[0]).toBe(h[2]); // 0.15/0.45 on both sides, exactly
    expect(h[1]).toBe(h[3]);
  });

  test("the engine and the reference drop a trade at a mid f64 gets wrong", () => {
    for (const cal of [new CalibrationEngine(ENGINE_DEFAULTS), new ReferenceCalibrator(ENGINE_DEFAULTS)]) {
      const t0 = 1_700_000_000_000;
      for (let i = 0; i < 20; i++) {
        cal.onBook(t0 + i * 1000, (93818.2 + 93818.4) / 2, 93818.2, 93818.4, 93800, 93840);
        cal.onTrade(t0 + i * 1000 + 500, 93818.3, i % 2 ? 1 : -1); // at the mid: δ = 0, not counted
        cal.onTrade(t0 + i * 1000 + 600, i % 2 ? 93818.5 : 93818.1, i % 2 ? 1 : -1);
      }
      const c = cal.calibrate(t0 + 20_000);
      expect([c.nTradesBid, c.nTradesAsk]).toEqual([10, 10]);
    }
  });
});
