import { expect, test } from "bun:test";
import { privateCore } from "../../src/core/wasm.ts";
import { computeOptimalQuote, type GammaMode, type QuoteParams } from "../../src/model/quote.ts";

const MODES: GammaMode[] = ["constant", "inventory_scaled", "max_shift"];

function mulberry(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("AS computeQuote equals the TS model's computeOptimalQuote bit for bit (random inputs, all γ modes)", () => {
  const c = privateCore();
  const rnd = mulberry(7);
  const ticks = [0.01, 0.1, 1, 0.5, 0.0001];
  let n = 0;
  for (let k = 0; k < 30; k++) {
    const p: QuoteParams = {
      gammaMode: MODES[k % 3]!, riskAversionGamma: 10 ** (rnd() * 4 - 2), gammaMin: k % 4 === 0 ? 0 : 0.01, gammaMax: k % 5 === 0 ? 0 : 100,
      horizonSeconds: [60, 1800, 14400][k % 3]!, maxInventory: 10 ** (rnd() * 3 - 2), tickSize: ticks[k % ticks.length]!,
      maxShiftTicks: 100, minSpreadBps: k % 2 ? 0 : 3, maxSpreadBps: k % 3 ? 200 : 0, makerFeeBps: rnd() * 3 - 1,
      minVolatility: 0, maxVolatility: k % 6 ? 0.02 : 0,
    };
    c.setQuoteParams(MODES.indexOf(p.gammaMode), p.riskAversionGamma, p.gammaMin, p.gammaMax, p.horizonSeconds, p.maxInventory,
      p.tickSize, p.maxShiftTicks, p.minSpreadBps, p.maxSpreadBps, p.makerFeeBps, p.minVolatility, p.maxVolatility);
    for (let i = 0; i < 2000; i++) {
      const mid = [3000.05, 94125.15, 0.5123, 150.37][i % 4]! * (1 + (rnd() - 0.5) * 0.01);
      const inv = (rnd() - 0.5) * 4 * p.maxInventory;
      const sigma = i % 50 === 0 ? 0 : i % 77 === 0 ? NaN : i % 91 === 0 ? Infinity : i % 97 === 0 ? -1e-4 : 10 ** (rnd() * 3 - 6);
      const kb = i % 40 === 0 ? 0 : 10 ** (rnd() * 5 + 1), ka = 10 ** (rnd() * 5 + 1);
      const t = computeOptimalQuote(mid, inv, sigma, kb, ka, p);
      c.computeQuote(mid, inv, sigma, kb, ka);
      const got = [c.qBid.value, c.qAsk.value, c.qBidTk.value, c.qAskTk.value, c.qGamma.value, c.qSpread.value, c.qReservation.value];
      const want = [t.bid, t.ask, t.bidTicks, t.askTicks, t.gamma, t.optimalSpread, t.reservation];
      if (got.some((g, j) => !Object.is(g, want[j]))) expect({ mid, inv, sigma, kb, ka, p, got }).toEqual({ mid, inv, sigma, kb, ka, p, got: want });
      n++;
    }
  }
  expect(n).toBe(60000);
});

test("AS computeQuote reproduces Appendix A.3 rows (cfg, mid 3000.05)", () => {
  const c = privateCore();
  // cfg: inventory_scaled, T=14400, γ∈[0.01,100], max_inv 10, tick 0.01, max_shift 100, spread 3..200 bps (maker 1.5)
  c.setQuoteParams(1, 10, 0.01, 100, 14400, 10, 0.01, 100, 0, 200, 1.5, 0, 0.02);
  c.computeQuote(3000.05, 0.5, 1e-4, 1000, 500);
  expect([c.qBid.value, c.qAsk.value]).toEqual([2997.02, 3006.08]);
  expect(c.qGamma.value).toBeCloseTo(0.115738812, 9);
  c.computeQuote(3000.05, -2, 2e-4, 300, 3000);
  expect([c.qBid.value, c.qAsk.value]).toEqual([2989.99, 3001.19]);
  c.computeQuote(3000.05, 0, 0, 100, 100);
  expect([c.qBid.value, c.qAsk.value]).toEqual([2970.05, 3030.05]);
});
