import { describe, expect, test } from "bun:test";
import { combineSides, fitIntensity, fitSide, fitSideNewton, exposureFromArrays, type BookPoint } from "../../src/model/intensity.ts";

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const pt = (ts: number, bmin: number, bmax: number, amin: number, amax: number): BookPoint =>
  ({ ts, mid: 100, bidMin: bmin, bidMax: bmax, askMin: amin, askMax: amax });

function trades(list: [number, number, number][]) {
  const s = [...list].sort((a, b) => a[0] - b[0]);
  return { tradeTs: s.map((x) => x[0]), tradePx: s.map((x) => x[1]), tradeSide: s.map((x) => x[2]) };
}
function expectFit(got: ReturnType<typeof fitIntensity>, want: [number, number, number, number], reset = true) {
  const c = combineSides(got, null, reset);
  const vals = [c.kappaBid, c.aBid, c.kappaAsk, c.aAsk];
  vals.forEach((v, i) => expect(rel(v, want[i])).toBeLessThan(1e-9));
}

// docs/original.md Appendix A.2 (side −1 = is_buyer_maker true = bid side)
describe("Appendix A.2 golden values", () => {
  test("unit-test data", () => {
    const t: [number, number, number][] = [];
    for (let i = 0; i < 5; i++) t.push([1000 + 200 * i, 99.9, -1]);
    for (let i = 0; i < 5; i++) t.push([2000 + 200 * i, 100.1, 1]);
    const fit = fitIntensity({ ...trades(t), points: [pt(0, 0.0005, 0.01, 0.0005, 0.01), pt(4000, 0.0004, 0.008, 0.0004, 0.008)], windowEnd: 5000 });
    expectFit(fit, [1911.1889884364143, 4768.646084289317, 1911.1889884364143, 4768.646084289317]);
  });
  const bids = [99.95, 99.9, 99.8, 99.95, 99.7, 99.9, 99.85].map((p, i): [number, number, number] => [500 + 700 * i, p, -1]);
  const asks = [100.05, 100.05, 100.1, 100.2, 100.05, 100.3].map((p, i): [number, number, number] => [800 + 600 * i, p, 1]);
  const points = [pt(0, 0.0005, 0.005, 0.0005, 0.006), pt(2500, 0.0005, 0.004, 0.0005, 0.004)];
  test("asymmetric", () => {
    expectFit(fitIntensity({ ...trades([...bids, ...asks]), points, windowEnd: 6000 }),
      [1090.7291937373486, 2230.8645728081883, 1291.5394619336855, 2480.1503441160353]);
  });
  test("bid trades only → bid fit copied to ask", () => {
    const fit = fitIntensity({ ...trades(bids), points, windowEnd: 6000 });
    expectFit(fit, [1090.7291937373486, 2230.8645728081883, 1090.7291937373486, 2230.8645728081883]);
    expect(combineSides(fit, null, true).askSource).toBe("copied");
  });
  test("first 6 sorted trades (< 5 per side) → defaults", () => {
    const first6 = trades([...bids, ...asks]);
    const fit = fitIntensity({ tradeTs: first6.tradeTs.slice(0, 6), tradePx: first6.tradePx.slice(0, 6), tradeSide: first6.tradeSide.slice(0, 6), points, windowEnd: 6000 });
    expectFit(fit, [100, 10, 100, 10]);
  });
});

describe("failed fits", () => {
  const good = { kappaBid: 2e4, aBid: 9e3, kappaAsk: 1.5e4, aAsk: 5e3, bidSource: "fitted", askSource: "fitted" } as const;
  test("keep the last good fit unless reset_failed_fits", () => {
    const kept = combineSides({ bid: null, ask: null }, good, false);
    expect([kept.kappaBid, kept.aBid, kept.kappaAsk, kept.aAsk]).toEqual([2e4, 9e3, 1.5e4, 5e3]);
    expect(kept.bidSource).toBe("kept");
    const reset = combineSides({ bid: null, ask: null }, good, true);
    expect([reset.kappaBid, reset.aBid, reset.bidSource]).toEqual([100, 10, "default"]);
  });
  test("one-sided failure without history copies the other side", () => {
    const c = combineSides({ bid: { kappa: 5, a: 6 }, ask: null }, null, false);
    expect([c.kappaAsk, c.aAsk, c.askSource]).toEqual([5, 6, "copied"]);
  });
  test("no exposure, no trades, bad sums → null, never NaN", () => {
    const E = exposureFromArrays([1], [0.001], [0.01]);
    expect(fitSide(0, 0, E)).toBeNull();
    expect(fitSide(10, NaN, E)).toBeNull();
    expect(fitSide(10, 0.01, () => 0)).toBeNull();
    expect(fitSide(10, 0.01, () => NaN)).toBeNull();
    expect(fitSide(4, 0.01, E)).toBeNull();
    const f = fitIntensity({ tradeTs: [], tradePx: [], tradeSide: [], points: [], windowEnd: 0 });
    expect(f.bid).toBeNull();
  });
});

describe("no look-ahead", () => {
  test("a trade before the first snapshot is not measured against a later one", () => {
    const t: [number, number, number][] = [];
    for (let i = 0; i < 6; i++) t.push([100 + i, 99.9, -1]); // before the first point
    const fit = fitIntensity({ ...trades(t), points: [pt(1000, 0.0005, 0.01, 0.0005, 0.01)], windowEnd: 5000 });
    expect(fit.nBid).toBe(0);
    expect(fit.bid).toBeNull();
  });
  test("trades during a data gap are ignored and exposure is capped", () => {
    const t: [number, number, number][] = [];
    for (let i = 0; i < 10; i++) t.push([1000 + 100 * i, 99.9, -1]);
    for (let i = 0; i < 10; i++) t.push([200_000 + 100 * i, 99.9, -1]); // 200 s after the only book
    const points = [pt(0, 0.0005, 0.01, 0.0005, 0.01), pt(1_000_000, 0.0005, 0.01, 0.0005, 0.01)];
    const capped = fitIntensity({ ...trades(t), points, windowEnd: 1_001_000, maxGapMs: 60_000 });
    expect(capped.nBid).toBe(10);
    const uncapped = fitIntensity({ ...trades(t), points, windowEnd: 1_001_000 });
    expect(uncapped.nBid).toBe(20);
    // the outage counted as exposure biases A down (9.3-13)
    expect(uncapped.bid!.a).toBeLessThan(capped.bid!.a);
  });
});

describe("fits the data cannot identify", () => {
  test("trades all at the far edge of the exposed range push κ to the search bound, and are flagged", async () => {
    const { kappaAtSearchBound } = await import("../../src/model/intensity.ts");
    const far: [number, number, number][] = Array.from({ length: 6 }, (_, i) => [500 + 500 * i, 99.5, -1]); // δ = 0.005 = δmax
    const points = [pt(0, 0.0005, 0.005, 0.0005, 0.005)];
    const fit = fitIntensity({ ...trades(far), points, windowEnd: 4000 });
    const c = combineSides(fit, null, false);
    expect(c.bidSource).toBe("fitted");
    expect(kappaAtSearchBound(c.kappaBid)).toBe(true);
    expect(c.kappaBid).toBeLessThan(1.01);
    // an interior optimum (Appendix A.2 asymmetric case, κ ≈ 1091 / 1292) is not flagged
    expect(kappaAtSearchBound(1090.7291937373486)).toBe(false);
    expect(kappaAtSearchBound(1e6)).toBe(true);
    expect(kappaAtSearchBound(9.8e5)).toBe(false);
  });
});

describe("fitSideNewton: the golden-section MLE's maximiser, by Newton on ℓ′", () => {
  /** Random exposure sets: E, E′, E″ summed exactly. */
  function exposureSet(seed: number, m: number, spread: number) {
    let s = seed;
    const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
    const dur: number[] = [], lo: number[] = [], hi: number[] = [];
    for (let i = 0; i < m; i++) {
      const a = u() < 0.3 ? 0 : u() * spread;
      dur.push(0.05 + u()); lo.push(a); hi.push(a + spread * (0.5 + 3 * u()));
    }
    const E = exposureFromArrays(dur, lo, hi);
    const D = (k: number, out: Float64Array) => {
      let e = 0, e1 = 0, e2 = 0;
      for (let i = 0; i < m; i++) {
        const x = Math.exp(-k * lo[i]!), y = Math.exp(-k * hi[i]!);
        e += dur[i]! * (x - y);
        e1 -= dur[i]! * (lo[i]! * x - hi[i]! * y);
        e2 += dur[i]! * (lo[i]! ** 2 * x - hi[i]! ** 2 * y);
      }
      out[0] = e; out[1] = e1; out[2] = e2;
    };
    return { E, D };
  }
  const logLik = (n: number, S: number, k: number, E: (k: number) => number) => n * (Math.log(k) - Math.log(E(k))) - k * S;

  test("agrees with fitSide to its golden-section resolution and is at least as good a maximum", () => {
    let worst = 0, cases = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const spread = [1e-5, 1e-4, 1e-3][seed % 3]!;
      const { E, D } = exposureSet(seed, 200, spread);
      for (const [n, meanD] of [[50, spread * 0.3], [800, spread * 0.05], [7, spread * 2], [3000, spread * 0.8]] as const) {
        const S = n * meanD;
        const g = fitSide(n, S, E)!, nw = fitSideNewton(n, S, D)!;
        expect(g).not.toBeNull();
        expect(nw).toBeTruthy();
        const r = Math.abs(nw.kappa / g.kappa - 1);
        worst = Math.max(worst, r);
        expect(r).toBeLessThan(2e-6);
        expect(Math.abs(nw.a / g.a - 1)).toBeLessThan(2e-6);
        // never a worse likelihood than the golden section's point (up to rounding of ℓ)
        expect(logLik(n, S, nw.kappa, E)).toBeGreaterThanOrEqual(logLik(n, S, g.kappa, E) - 1e-9 * Math.abs(logLik(n, S, g.kappa, E)));
        cases++;
      }
    }
    expect(cases).toBe(160);
    expect(worst).toBeGreaterThan(0); // the two methods are distinct (golden section stops at ~1e-6)
  });

  test("a maximum beyond the search range ends exactly at its bound", () => {
    // trades far out (Σδ/n ≫ exposed δ): ℓ rises towards κ → 1; trades at the touch: κ → 1e6
    const { D, E } = exposureSet(7, 100, 1e-4);
    const low = fitSideNewton(100, 100 * 0.5, D)!;
    expect(low.kappa).toBe(1);
    expect(fitSide(100, 100 * 0.5, E)!.kappa).toBeLessThan(1 + 1e-5);
    const { D: D2, E: E2 } = exposureSet(8, 100, 1e-2);
    const high = fitSideNewton(100, 100 * 1e-9, D2)!;
    expect(high.kappa).toBe(1e6);
    expect(fitSide(100, 100 * 1e-9, E2)!.kappa).toBeGreaterThan(1e6 * (1 - 1e-5));
  });

  test("null where fitSide is null; undefined (caller falls back) when E stops being usable", () => {
    const { D } = exposureSet(9, 50, 1e-3);
    expect(fitSideNewton(0, 0, D)).toBeNull();
    expect(fitSideNewton(10, NaN, D)).toBeNull();
    expect(fitSideNewton(4, 0.01, D)).toBeNull();
    expect(fitSideNewton(10, 0.01, (_k, out) => out.fill(0))).toBeUndefined();
    expect(fitSideNewton(10, 0.01, (_k, out) => out.fill(NaN))).toBeUndefined();
  });
});
