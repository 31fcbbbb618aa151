import { describe, expect, test } from "bun:test";
import { CalibrationEngine, type EngineOptions } from "../../src/model/engine.ts";
import { exposures, tradeSums, type BookPoint } from "../../src/model/intensity.ts";
import { generateSynthetic } from "./synthetic_market.ts";

/**
 * Ground truth: a market whose σ and per-side (κ, A) are known (synthetic_market.ts), one hour of
 * 4 snapshots/s. Tolerances are 4 standard errors computed from the sample itself:
 * - κ: observed Fisher information of the profile likelihood, SE = 1/√(−ℓ''(κ̂));
 * - A = nκ/E(κ): Poisson count error 1/√n plus the propagated κ error |1/κ − E'/E|·SE(κ);
 * - σ: 1 s returns, SE(σ̂)/σ ≈ 1/√(2n) (1.2 % for n = 3600); EWMA's effective n is
 *   2·halfLife/ln 2 ≈ 866 s at 300 s, i.e. ≥ 866 returns (≤ 2.4 %; 4 per second here, so the
 *   bound is conservative).
 */
const TRUE = { sigma: 5e-5, kappaBid: 20000, aBid: 50000, kappaAsk: 12000, aAsk: 20000 };
const m = generateSynthetic({ seed: 11, seconds: 3600, snapshotsPerSecond: 4, ...TRUE, tick: 0.1, mid0: 3000 });
const base: EngineOptions = {
  windowMs: 3_600_000, recalibrationIntervalMs: 60_000, minPrices: 10, volatilityModel: "garch",
  garchFullHistory: false, ewmaHalfLifeSeconds: 300, minTradesPerSide: 5, resetFailedFits: false,
  maxGapMs: 60_000, tradeBookRule: "strictly_before", minVolatility: 0, maxVolatility: 0.02, garchFullGridEvery: 60, garchWarmStride: 0, exposureMode: "binned",
};

function feed(opts: EngineOptions) {
  const e = new CalibrationEngine(opts);
  for (let i = 0; i < m.nBooks; i++) {
    e.onBook(m.bookTs[i], m.mid[i], m.bestBid[i], m.bestAsk[i], m.farBid[i], m.farAsk[i]);
    for (let j = m.tradeStart[i]; j < m.tradeStart[i + 1]; j++) e.onTrade(m.tradeTs[j], m.tradePx[j], m.tradeSide[j]);
  }
  const end = m.bookTs[m.nBooks - 1] + 250;
  return e.calibrate(end);
}

/** Standard errors of (κ, A) at the estimate, from the exact exposure function. */
function standardErrors(side: "bid" | "ask", kappa: number) {
  const pts: BookPoint[] = [];
  for (let i = 0; i < m.nBooks; i++) {
    const mid = m.mid[i];
    pts.push({ ts: m.bookTs[i], mid, bidMin: (mid - m.bestBid[i]) / mid, bidMax: (mid - m.farBid[i]) / mid, askMin: (m.bestAsk[i] - mid) / mid, askMax: (m.farAsk[i] - mid) / mid });
  }
  const sums = tradeSums(m.tradeTs, m.tradePx, m.tradeSide, pts);
  const E = exposures(pts, m.bookTs[m.nBooks - 1] + 250)[side]!;
  const n = side === "bid" ? sums.nBid : sums.nAsk;
  const S = side === "bid" ? sums.sumBid : sums.sumAsk;
  const ll = (k: number) => n * (Math.log(k) - Math.log(E(k))) - k * S;
  const h = kappa * 1e-3;
  const d2 = (ll(kappa + h) - 2 * ll(kappa) + ll(kappa - h)) / (h * h);
  const seK = 1 / Math.sqrt(-d2);
  const dlnE = (Math.log(E(kappa + h)) - Math.log(E(kappa - h))) / (2 * h);
  const seA = 1 / Math.sqrt(n) + Math.abs(1 / kappa - dlnE) * seK; // relative
  return { n, seK, seA };
}

describe("calibration recovers known parameters of a synthetic market", () => {
  const g = feed(base);
  for (const side of ["bid", "ask"] as const) {
    test(`κ and A on the ${side} side within 4 standard errors`, () => {
      const kappa = side === "bid" ? g.kappaBid : g.kappaAsk;
      const a = side === "bid" ? g.aBid : g.aAsk;
      const trueK = side === "bid" ? TRUE.kappaBid : TRUE.kappaAsk;
      const trueA = side === "bid" ? TRUE.aBid : TRUE.aAsk;
      const { n, seK, seA } = standardErrors(side, kappa);
      expect(n).toBeGreaterThan(1000);
      expect(seK / kappa).toBeLessThan(0.06); // the test has power: κ known to a few %
      expect(Math.abs(kappa - trueK)).toBeLessThan(4 * seK);
      expect(Math.abs(a / trueA - 1)).toBeLessThan(4 * seA);
      expect(side === "bid" ? g.bidSource : g.askSource).toBe("fitted");
    });
  }
  test("σ: GARCH and realized within 4·1/√(2n), EWMA within 4·1/√(2·866)", () => {
    expect(g.sigmaSource).toBe("garch");
    expect(Math.abs(g.sigmaRaw / TRUE.sigma - 1)).toBeLessThan(4 / Math.sqrt(2 * 3600));
    const r = feed({ ...base, volatilityModel: "realized" });
    expect(r.sigmaSource).toBe("realized");
    // realized uses every 250 ms return: n = 14,400
    expect(Math.abs(r.sigmaRaw / TRUE.sigma - 1)).toBeLessThan(4 / Math.sqrt(2 * 14_400));
    const e = feed({ ...base, volatilityModel: "ewma" });
    expect(e.sigmaSource).toBe("ewma");
    expect(Math.abs(e.sigmaRaw / TRUE.sigma - 1)).toBeLessThan(4 / Math.sqrt(2 * 866));
  });
});
