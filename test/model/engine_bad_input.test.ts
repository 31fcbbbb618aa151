import { describe, expect, test } from "bun:test";
import { CalibrationEngine, type CalibrationResult, type EngineOptions } from "../../src/model/engine.ts";
import { computeOptimalQuote, type QuoteParams } from "../../src/model/quote.ts";

const OPTS: EngineOptions = {
  windowMs: 3_600_000, recalibrationIntervalMs: 60_000, minPrices: 10, volatilityModel: "garch",
  garchFullHistory: false, ewmaHalfLifeSeconds: 300, minTradesPerSide: 5, resetFailedFits: false,
  maxGapMs: 60_000, tradeBookRule: "strictly_before", minVolatility: 0, maxVolatility: 0.02, garchFullGridEvery: 60, garchWarmStride: 0, exposureMode: "binned",
};
const QP: QuoteParams = {
  gammaMode: "constant", riskAversionGamma: 0.1, gammaMin: 0.01, gammaMax: 100, horizonSeconds: 1800, maxInventory: 10,
  tickSize: 0.01, maxShiftTicks: 100, minSpreadBps: 0, maxSpreadBps: 200, makerFeeBps: 0, minVolatility: 0, maxVolatility: 0.02,
};

function finite(c: CalibrationResult) {
  for (const x of [c.sigma, c.sigmaRaw, c.kappaBid, c.aBid, c.kappaAsk, c.aAsk]) {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
  }
  for (const x of [c.kappaBid, c.aBid, c.kappaAsk, c.aAsk]) expect(x).toBeGreaterThan(0);
  const q = computeOptimalQuote(3000, 0, c.sigma, c.kappaBid, c.kappaAsk, QP);
  for (const x of [q.bid, q.ask, q.reservation, q.gamma]) expect(Number.isFinite(x)).toBe(true);
}

for (const model of ["garch", "realized", "ewma"] as const) {
  describe(`engine on bad input (${model})`, () => {
    const opts = { ...OPTS, volatilityModel: model };
    test("empty window: calibrate before any event", () => {
      const c = new CalibrationEngine(opts).calibrate(1000);
      finite(c);
      expect(c.sigmaSource).toBe("none");
      expect(c.bidSource).toBe("default");
      expect(new CalibrationEngine(opts).shouldRecalibrate(0)).toBe(false);
    });
    test("a single price", () => {
      const e = new CalibrationEngine(opts);
      e.onBook(0, 100, 99.9, 100.1, 99, 101);
      const c = e.calibrate(1000);
      finite(c);
      expect(c.sigmaRaw).toBe(0);
    });
    test("zero, negative, NaN and Infinity inputs are ignored", () => {
      const e = new CalibrationEngine(opts);
      for (let i = 0; i < 100; i++) {
        const bad = [0, -5, NaN, Infinity, -Infinity][i % 5];
        e.onBook(i * 1000, bad, bad, bad, bad, bad);
        e.onBook(i * 1000 + 1, 100 + (i % 3), NaN, -1, Infinity, 0); // valid mid, broken levels
        e.onTrade(i * 1000 + 2, bad, -1);
        e.onTrade(i * 1000 + 3, 99, NaN);
        e.onTrade(NaN, 99, 1);
      }
      const c = e.calibrate(100_000);
      finite(c);
      expect(c.nPrices).toBe(100);
    });
    test("one-sided trades: the other side copies, then keeps its own fit after it fails", () => {
      const e = new CalibrationEngine(opts);
      let t = 0;
      for (let i = 0; i < 600; i++, t += 1000) {
        const mid = 100 + 0.01 * Math.sin(i / 7);
        e.onBook(t, mid, mid - 0.01, mid + 0.01, mid - 0.2, mid + 0.2);
        e.onTrade(t + 500, mid - 0.01 - 0.01 * (i % 5), -1);
        if (i < 300) e.onTrade(t + 600, mid + 0.01 + 0.01 * (i % 4), 1);
      }
      const both = e.calibrate(t);
      finite(both);
      expect([both.bidSource, both.askSource]).toEqual(["fitted", "fitted"]);
      // an hour later with bid trades only: the ask side keeps its last good fit
      for (let i = 0; i < 3700; i++, t += 1000) {
        e.onBook(t, 100, 99.99, 100.01, 99.8, 100.2);
        e.onTrade(t + 500, 99.99 - 0.01 * (i % 5), -1);
      }
      const later = e.calibrate(t);
      finite(later);
      expect(later.bidSource).toBe("fitted");
      expect(later.askSource).toBe("kept");
      expect(later.kappaAsk).toBe(both.kappaAsk);
      const fresh = new CalibrationEngine({ ...opts, resetFailedFits: true });
      for (let i = 0; i < 100; i++) {
        fresh.onBook(i * 1000, 100, 99.99, 100.01, 99.8, 100.2);
        fresh.onTrade(i * 1000 + 500, 99.98, -1);
      }
      const copied = fresh.calibrate(100_000);
      expect(copied.askSource).toBe("copied");
      expect(copied.kappaAsk).toBe(copied.kappaBid);
    });
    test("a locked book (best bid = best ask) and trades at the mid", () => {
      const e = new CalibrationEngine(opts);
      for (let i = 0; i < 200; i++) {
        e.onBook(i * 1000, 100, 100, 100, 99, 101);
        e.onTrade(i * 1000 + 500, 100, i % 2 ? 1 : -1);
      }
      finite(e.calibrate(200_000));
    });
    test("first calibration only after min_prices_for_calibration mids", () => {
      const e = new CalibrationEngine({ ...opts, minPrices: 3 });
      e.onBook(0, 100, 99, 101, 98, 102);
      e.onBook(1, NaN, 99, 101, 98, 102);
      e.onBook(2, 100, 99, 101, 98, 102);
      expect(e.shouldRecalibrate(2)).toBe(false);
      e.onBook(3, 100, 99, 101, 98, 102);
      expect(e.shouldRecalibrate(3)).toBe(true);
      e.calibrate(3);
      expect(e.shouldRecalibrate(60_002)).toBe(false);
      expect(e.shouldRecalibrate(60_003)).toBe(true);
    });
  });
}

describe("no look-ahead in the engine", () => {
  test("a trade is measured against the book strictly before it, even if a same-ms book was fed first", () => {
    const e = new CalibrationEngine(OPTS);
    for (let i = 0; i < 50; i++) {
      e.onBook(i * 1000, 100, 99.99, 100.01, 99.5, 100.5);
      e.onBook(i * 1000 + 500, 99, 98.99, 99.01, 98.5, 99.5);
      // at 99.5 this sell is 0.5 % below the 100 book, but above the same-ms 99 book's mid
      e.onTrade(i * 1000 + 500, 99.5, -1);
    }
    expect(e.calibrate(50_000).nTradesBid).toBe(50);
  });
  test("trades before any book, or after a data gap, are not measured against a later book", () => {
    const e = new CalibrationEngine(OPTS);
    for (let i = 0; i < 10; i++) e.onTrade(i, 99, -1);
    e.onBook(100, 100, 99.99, 100.01, 99.5, 100.5);
    e.onTrade(100 + 61_000, 99, -1); // 61 s after the only book (max gap 60 s)
    e.onBook(200_000, 100, 99.99, 100.01, 99.5, 100.5);
    expect(e.calibrate(200_000).nTradesBid).toBe(0);
  });
});
