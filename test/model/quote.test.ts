import { describe, expect, test } from "bun:test";
import { computeOptimalQuote, type QuoteParams } from "../../src/model/quote.ts";
import { ceilTicks, floorTicks, ticksToPrice } from "../../src/model/ticks.ts";

// docs/original.md Appendix A.3: configs of the original (ASConfig::default() and config.json).
const DEFAULT: QuoteParams = {
  gammaMode: "inventory_scaled", riskAversionGamma: 0.5, gammaMin: 0.1, gammaMax: 5, horizonSeconds: 60,
  maxInventory: 10, tickSize: 0.01, maxShiftTicks: 100, minSpreadBps: 2, maxSpreadBps: 100, makerFeeBps: 1,
  minVolatility: 0, maxVolatility: 0.02,
};
const CFG: QuoteParams = {
  ...DEFAULT, riskAversionGamma: 10, gammaMin: 0.01, gammaMax: 100, horizonSeconds: 14400,
  minSpreadBps: 0, maxSpreadBps: 200, makerFeeBps: 1.5,
};
const CFG_CONST: QuoteParams = { ...CFG, gammaMode: "constant", gammaMin: 10, gammaMax: 10 };
const CFG_SHIFT: QuoteParams = { ...CFG, gammaMode: "max_shift" };

const INPUTS: [number, number, number, number][] = [
  [0, 1e-4, 1000, 1000], [0.5, 1e-4, 1000, 500], [-2, 2e-4, 300, 3000], [0, 0, 100, 100], [0, 5e-5, 20000, 20000],
];
// [γ, r (8 dp), bid, ask, optimal_spread] per input row.
const TABLE: [string, QuoteParams, [number, number, number, number, number][]][] = [
  ["default", DEFAULT, [
    [0.1, 3000.05, 2997.05, 3003.05, 6.0], [5.0, 3000.04954999, 2997.05, 3006.03, 8.98],
    [5.0, 3000.05720012, 2990.12, 3001.08, 10.96], [0.1, 3000.05, 2985.04, 3015.06, 30.02],
    [0.1, 3000.05, 2999.74, 3000.36, 0.62]]],
  ["cfg", CFG, [
    [0.01, 3000.05, 2997.04, 3003.06, 6.02], [0.115738812, 3000.0475, 2997.02, 3006.08, 9.06],
    [0.115738812, 3000.09, 2989.99, 3001.19, 11.2], [0.01, 3000.05, 2970.05, 3030.05, 60.0],
    [0.01, 3000.05, 2999.59, 3000.51, 0.92]]],
  ["cfg+const", CFG_CONST, [
    [10, 3000.05, 2994.9, 3005.2, 10.3], [10, 2999.8339964, 2994.68, 3007.94, 13.26],
    [10, 3003.5060576, 2985.02, 3013.15, 28.13], [10, 3000.05, 2971.45, 3028.65, 57.2],
    [10, 3000.05, 2999.36, 3000.74, 1.38]]],
  ["cfg+max_shift", CFG_SHIFT, [
    [2.314776235, 3000.05, 2996.55, 3003.55, 7.0], [2.314776235, 3000.0, 2996.5, 3006.49, 9.99],
    [0.578694059, 3000.25, 2989.75, 3001.75, 12.0], [10, 3000.05, 2971.45, 3028.65, 57.2],
    [9.259104941, 3000.05, 2999.4, 3000.7, 1.3]]],
];

describe("computeOptimalQuote reproduces Appendix A.3 (mid 3000.05)", () => {
  for (const [name, params, rows] of TABLE) {
    rows.forEach(([g, r, bid, ask, spread], i) => {
      const [q, sigma, kb, ka] = INPUTS[i];
      test(`${name} q=${q} σ=${sigma} κ=${kb}/${ka}`, () => {
        const quote = computeOptimalQuote(3000.05, q, sigma, kb, ka, params);
        expect(quote.status).toBe("ok");
        expect(Number(quote.gamma.toFixed(9))).toBe(g);
        expect(Number(quote.reservation.toFixed(8))).toBe(r);
        expect(quote.bid).toBe(bid);
        expect(quote.ask).toBe(ask);
        expect(Number(quote.optimalSpread.toFixed(2))).toBe(spread);
        expect(quote.bidTicks).toBe(Math.round(bid * 100));
        expect(quote.askTicks).toBe(Math.round(ask * 100));
      });
    });
  }
});

describe("ticks", () => {
  test("floor/ceil snap ratios that f64 division gets wrong", () => {
    expect(floorTicks(3495.49, 0.01)).toBe(349549);
    expect(ceilTicks(3495.49, 0.01)).toBe(349549);
    expect(floorTicks(0.29, 0.01)).toBe(29);
    expect(floorTicks(3495.495, 0.01)).toBe(349549);
    expect(ceilTicks(3495.491, 0.01)).toBe(349550);
    expect(ticksToPrice(299705, 0.01)).toBe(2997.05);
    expect(ticksToPrice(7, 0.5)).toBe(3.5);
  });
  test("quotes land on the market's tick, not a global 0.01", () => {
    const p = { ...CFG_CONST, tickSize: 0.5 };
    const q = computeOptimalQuote(3000.05, 0, 1e-4, 1000, 1000, p);
    expect(q.bid % 0.5).toBe(0);
    expect(q.ask % 0.5).toBe(0);
    expect(q.bid).toBeLessThanOrEqual(3000.05 - q.deltaBid / 2);
    expect(q.ask).toBeGreaterThanOrEqual(3000.05 + q.deltaAsk / 2);
    expect(q.ask - q.bid).toBeLessThan(q.deltaBid / 2 + q.deltaAsk / 2 + 1.0 + 1e-9);
  });
});

describe("computeOptimalQuote on bad input never returns NaN", () => {
  const all = (q: ReturnType<typeof computeOptimalQuote>) =>
    [q.reservation, q.bid, q.ask, q.optimalSpread, q.gamma, q.deltaBid, q.deltaAsk, q.sigma, q.bidTicks, q.askTicks];
  const cases: [string, number, number, number, number, number][] = [
    ["mid NaN", NaN, 0, 1e-4, 1000, 1000], ["mid 0", 0, 0, 1e-4, 1000, 1000], ["mid < 0", -5, 0, 1e-4, 1000, 1000],
    ["mid Infinity", Infinity, 0, 1e-4, 1000, 1000], ["σ NaN", 3000, 1, NaN, 1000, 1000], ["σ Infinity", 3000, 1, Infinity, 1000, 1000],
    ["σ < 0", 3000, 1, -1, 1000, 1000], ["κ 0", 3000, 1, 1e-4, 0, 0], ["κ NaN", 3000, 1, 1e-4, NaN, -3],
    ["q NaN", 3000, NaN, 1e-4, 1000, 1000], ["q huge", 3000, 1e12, 1e-4, 1000, 1000], ["κ Infinity", 3000, 0, 1e-4, Infinity, Infinity],
  ];
  for (const params of [CFG, CFG_CONST, CFG_SHIFT, DEFAULT]) {
    for (const [name, mid, q, s, kb, ka] of cases) {
      test(`${params.gammaMode}/${params.gammaMin}: ${name}`, () => {
        const quote = computeOptimalQuote(mid, q, s, kb, ka, params);
        for (const x of all(quote)) expect(Number.isFinite(x)).toBe(true);
        if (!(mid > 0 && Number.isFinite(mid))) expect(quote.status).toBe("invalid_mid");
        else {
          expect(quote.bid).toBeLessThanOrEqual(quote.ask);
          expect(quote.ask).toBeGreaterThan(0);
        }
      });
    }
  }
  test("a spread wider than the price leaves no bid but a finite ask", () => {
    const p = { ...CFG_CONST, maxSpreadBps: 0, riskAversionGamma: 1e-6, gammaMin: 1e-6, gammaMax: 1e-6 };
    const q = computeOptimalQuote(1, 0, 0, 1e-3, 1e-3, p);
    expect(q.status).toBe("no_bid");
    expect(q.bid).toBe(0);
    expect(Number.isFinite(q.ask)).toBe(true);
  });
});

describe("quote properties", () => {
  test("bid ≤ r − δb/2 < r + δa/2 ≤ ask and within one tick, over random inputs", () => {
    let s = 7;
    const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 2000; i++) {
      const tick = [0.01, 0.1, 0.5, 1, 0.0001][i % 5];
      const mid = 1 + rnd() * 100000;
      const p: QuoteParams = { ...[CFG, CFG_CONST, CFG_SHIFT, DEFAULT][i % 4], tickSize: tick };
      const q = computeOptimalQuote(mid, (rnd() - 0.5) * 30, rnd() * 1e-3, 10 + rnd() * 1e5, 10 + rnd() * 1e5, p);
      const rawBid = q.reservation - q.deltaBid / 2;
      const rawAsk = q.reservation + q.deltaAsk / 2;
      const eps = 1e-9 * mid;
      expect(q.bid).toBeLessThanOrEqual(rawBid + eps);
      expect(q.bid).toBeGreaterThan(rawBid - tick - eps);
      expect(q.ask).toBeGreaterThanOrEqual(rawAsk - eps);
      expect(q.ask).toBeLessThan(rawAsk + tick + eps);
      expect(q.bidTicks).toBe(Math.round(q.bid / tick));
    }
  });
  test("inventory skews the reservation price against the position", () => {
    const long = computeOptimalQuote(3000, 5, 1e-4, 1000, 1000, CFG_CONST);
    const short = computeOptimalQuote(3000, -5, 1e-4, 1000, 1000, CFG_CONST);
    expect(long.reservation).toBeLessThan(3000);
    expect(short.reservation).toBeGreaterThan(3000);
  });
});

describe("σ clamp", () => {
  test("+∞ becomes max_volatility, NaN and negatives 0", () => {
    expect(computeOptimalQuote(3000, 0, Infinity, 1000, 1000, CFG_CONST).sigma).toBe(0.02);
    expect(computeOptimalQuote(3000, 0, NaN, 1000, 1000, CFG_CONST).sigma).toBe(0);
    expect(computeOptimalQuote(3000, 0, -1, 1000, 1000, CFG_CONST).sigma).toBe(0);
    expect(computeOptimalQuote(3000, 0, 0.5, 1000, 1000, CFG_CONST).sigma).toBe(0.02);
  });
});
