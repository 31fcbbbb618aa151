import { describe, expect, test } from "bun:test";
import { ewmaVolatility, garchFit, garchVolatility, realizedVolatility, resampleReturns } from "../../src/model/volatility.ts";

const rel = (a: number | null, b: number) => Math.abs((a as number) - b) / Math.abs(b);

// docs/original.md Appendix A.1
function seriesB(): [number[], number[]] {
  const rs = [0.001, -0.0005, 0.002, -0.001, 0.0015, -0.0008, 0.0025, -0.0012, 0.0009, -0.0004, 0.0011];
  const ts = [0];
  const px = [100];
  let p = 100;
  rs.forEach((r, i) => {
    p = p * (1 + r);
    ts.push(1000 * (i + 1));
    px.push(p);
  });
  return [ts, px];
}
const A1: [string, () => [number[], number[]], number, number | null][] = [
  ["three prices", () => [[0, 1000, 11000], [100, 101, 102]], 4.221986060962e-3, null],
  ["compounded returns", seriesB, 1.313684275577e-3, 0.0012577569364703861],
  ["integers", () => [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => i * 1000), [100, 101, 100, 102, 101, 103, 102, 101, 103, 104, 102, 103]], 1.418726217017e-2, 0.013583269386562643],
  ["irregular", () => [[0, 1500, 2500, 6000, 6200, 9000, 12000], [100, 101, 100, 102, 101, 103, 102]], 9.861140320135e-3, 0.007729575329243573],
];

describe("Appendix A.1 golden values", () => {
  for (const [name, make, realized, garch] of A1) {
    test(name, () => {
      const [ts, px] = make();
      expect(rel(realizedVolatility(ts, px), realized)).toBeLessThan(1e-9);
      const g = garchVolatility(ts, px);
      if (garch === null) expect(g).toBeNull();
      else expect(rel(g, garch)).toBeLessThan(1e-9);
    });
  }
});

describe("realizedVolatility edge cases", () => {
  test("defined results on bad input", () => {
    expect(realizedVolatility([], [])).toBeNull();
    expect(realizedVolatility([0], [100])).toBeNull();
    expect(realizedVolatility([0, 1000], [100, 101])).toBeNull(); // one return
    expect(realizedVolatility([0, 1000, 2000], [100, 100, 100])).toBe(0);
    expect(realizedVolatility([0, 1000, 2000, 3000], [100, NaN, -1, 0])).toBeNull();
    expect(realizedVolatility([0, 0, 0], [100, 101, 102])).toBeNull(); // zero dt pairs skipped
    const v = realizedVolatility([0, 1000, 2000, 3000, 4000], [100, Infinity, 101, 0, 100]);
    expect(v).toBeCloseTo(Math.sqrt((Math.log(1.01) ** 2 + Math.log(100 / 101) ** 2) / 4), 12);
  });
});

describe("resampleReturns", () => {
  test("is the original's grid when no gap limit is set", () => {
    const g = resampleReturns([0, 1000], [100, 101]);
    expect(Array.from(g.bucketTs)).toEqual([1000, 2000]);
    expect(Array.from(g.ret)).toEqual([0, Math.log(1.01)]);
  });
  test("does not fill a gap longer than maxGapMs with flat prices", () => {
    const ts = [0, 1000, 2000, 600_000, 601_000, 602_000];
    const px = [100, 101, 102, 110, 111, 112];
    const filled = resampleReturns(ts, px);
    expect(filled.length).toBe(603); // a 10-minute run of zero returns and one jump
    const cut = resampleReturns(ts, px, 1000, 60_000);
    expect(cut.length).toBe(6);
    for (const r of cut.ret) expect(Math.abs(r)).toBeLessThan(0.011); // the 102→110 jump is not a return
  });
});

describe("GARCH", () => {
  test("too few returns → null; flat prices → null", () => {
    expect(garchFit([0.1, 0.2, 0.1, 0.3])).toBeNull();
    expect(garchFit([0, 0, 0, 0, 0, 0])).toBeNull();
  });
  test("recovers the variance of iid returns within sampling error", () => {
    let s = 12345;
    const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
    const r = new Float64Array(3600);
    const sigma = 3e-5;
    for (let i = 0; i < r.length; i++) r[i] = sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const fit = garchFit(r)!;
    // iid returns: the forecast is close to the sample variance (relative s.e. of σ̂ ≈ 1/√(2n) ≈ 1.2 %).
    expect(Math.abs(Math.sqrt(fit.variance) / sigma - 1)).toBeLessThan(0.06);
    // warm start from the coarse optimum ends at a likelihood at least as good
    const warm = garchFit(r, 0, r.length, [{ alpha: fit.alpha, beta: fit.beta }])!;
    expect(warm.logLik).toBeGreaterThanOrEqual(fit.logLik);
  });
});

describe("EWMA", () => {
  test("equals realized volatility for a very long half-life and weights recent returns", () => {
    const [ts, px] = A1[2][1]();
    const e = ewmaVolatility(ts, px, 11000, 1e12)!;
    expect(rel(e, realizedVolatility(ts, px)!)).toBeLessThan(1e-9);
    const calmThenWild = [100, 100.01, 100, 100.01, 100, 105, 100, 105, 100];
    const t = calmThenWild.map((_, i) => i * 1000);
    expect(ewmaVolatility(t, calmThenWild, 8000, 1)!).toBeGreaterThan(realizedVolatility(t, calmThenWild)!);
    expect(ewmaVolatility([0], [1], 0, 10)).toBeNull();
  });
});

describe("blocked-log GARCH likelihood", () => {
  test("equals the per-step log version to rounding, on real-sized input", async () => {
    const { garchLogLik, garchLogLikBlocked } = await import("../../src/model/volatility.ts");
    let s = 99;
    const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
    const r = Float64Array.from({ length: 3601 }, () => 3e-5 * (u() - 0.5) * (u() < 0.1 ? 10 : 1));
    const o1 = new Float64Array(1), o2 = new Float64Array(1);
    for (const [a, b] of [[0, 0], [0.1, 0.85], [0.5, 0.48], [0.02, 0.96]]) {
      const vbar = r.reduce((x, y) => x + y * y, 0) / r.length;
      const l1 = garchLogLik(r, 0, r.length, vbar, a, b, o1);
      const l2 = garchLogLikBlocked(r, 0, r.length, vbar, a, b, o2);
      expect(Math.abs(l1 - l2)).toBeLessThan(1e-10 * Math.abs(l1));
      expect(o2[0]).toBe(o1[0]);
    }
    const fast = garchFit(r, 0, r.length, undefined, true)!;
    const slow = garchFit(r, 0, r.length)!;
    expect([fast.alpha, fast.beta]).toEqual([slow.alpha, slow.beta]);
  });
});
