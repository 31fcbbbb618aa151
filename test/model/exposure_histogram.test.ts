import { describe, expect, test } from "bun:test";
import { ExposureHistogram } from "../../src/model/exposure_histogram.ts";
import { exposureFromArrays, fitSide } from "../../src/model/intensity.ts";

function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}
const exact = (ds: number[], ws: number[], k: number) => ds.reduce((e, d, i) => e + ws[i] * Math.exp(-k * d), 0);

describe("ExposureHistogram ≡ Σ w·e^(−κδ) (differential, random add/remove sequences)", () => {
  const ranges = ["touch distances incl. 0 and locked books", "tiny δ (< 4e-5, linear buckets)", "1e-5..1e-2 (log buckets)"];
  ranges.forEach((name, which) => {
    test(name, () => {
      const u = rng(17 + which);
      const draw = () => (which === 0 ? (u() < 0.3 ? 0 : u() * 2e-4) : which === 1 ? u() * 4e-5 : Math.exp(Math.log(1e-5) + u() * Math.log(1e3)));
      const h = new ExposureHistogram();
      const live: [number, number][] = [];
      for (let step = 0; step < 20_000; step++) {
        if (live.length > 0 && u() < 0.45) {
          const [d, w] = live.splice(Math.floor(u() * live.length), 1)[0];
          h.update(d, w, -1);
        } else {
          const d = draw();
          const w = 0.05 + u() * 2;
          live.push([d, w]);
          h.update(d, w, 1);
        }
      }
      const ds = live.map((x) => x[0]);
      const ws = live.map((x) => x[1]);
      const dmin = Math.min(...ds);
      for (let i = 0; i <= 60; i++) {
        const k = Math.pow(10, (6 * i) / 60);
        if (k * dmin > 40) continue; // beyond the documented range every term is < e^-40 of its weight
        const e = exact(ds, ws, k);
        expect(Math.abs(h.evaluate(k) - e)).toBeLessThanOrEqual(1e-9 * e);
      }
    });
  });

  test("removing everything empties it exactly", () => {
    const h = new ExposureHistogram();
    const u = rng(5);
    const xs = Array.from({ length: 500 }, () => [u() * 1e-3, u()] as const);
    for (const [d, w] of xs) h.update(d, w, 1);
    for (const [d, w] of xs) h.update(d, w, -1);
    expect(h.size).toBe(0);
    expect(h.evaluate(1000)).toBe(0);
  });

  test("the MLE on bucketed exposures matches the exact one where the likelihood peaks", () => {
    const u = rng(9);
    const hMin = new ExposureHistogram(), hMax = new ExposureHistogram();
    const dur: number[] = [], lo: number[] = [], hi: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const a = u() < 0.4 ? 0 : u() * 1e-4;
      const b = a + 3e-4 + u() * 1e-3;
      const w = 0.1 + u() * 0.3;
      dur.push(w); lo.push(a); hi.push(b);
      hMin.update(a, w, 1);
      hMax.update(b, w, 1);
    }
    for (const [n, S] of [[800, 800 / 15000 + 800 * 2e-5], [50, 50 / 3000], [5000, 5000 / 60000]]) {
      const ex = fitSide(n, S, exposureFromArrays(dur, lo, hi))!;
      const bk = fitSide(n, S, (k) => hMin.evaluate(k) - hMax.evaluate(k))!;
      expect(Math.abs(bk.kappa / ex.kappa - 1)).toBeLessThan(1e-5);
      expect(Math.abs(bk.a / ex.a - 1)).toBeLessThan(1e-5);
    }
  });
});

describe("ExposureHistogram.moments ≡ Σ w·δᵐ·e^(−κδ), m = 0, 1, 2 (what the Newton MLE uses)", () => {
  test("random multisets in three δ ranges, κ over the search range", () => {
    for (const [seed, lo, hi] of [[3, 0, 4e-5], [4, 1e-5, 1e-2], [5, 0, 2e-3]] as const) {
      const u = rng(seed);
      const h = new ExposureHistogram();
      const ds: number[] = [], ws: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const d = lo === 0 && u() < 0.2 ? 0 : lo + (hi - lo) * u() ** 2;
        const w = 0.01 + u();
        ds.push(d); ws.push(w);
        h.update(d, w, 1);
      }
      const out = new Float64Array(3);
      const dmin = Math.min(...ds);
      for (let i = 0; i <= 60; i += 3) {
        const k = Math.pow(10, (6 * i) / 60);
        if (k * dmin > 40) continue;
        h.moments(k, out);
        const want = [0, 1, 2].map((m) => ds.reduce((e, d, j) => e + ws[j]! * d ** m * Math.exp(-k * d), 0));
        expect(Math.abs(out[0]! - want[0]!)).toBeLessThanOrEqual(1e-9 * want[0]!);
        // the first moment carries the series' truncation of Σ w·u·e^(−κu): ≤ 1.4e-9 of it, and it is
        // ≤ |u|/δ of the term — up to all of it in the first linear buckets (δ ≈ 1e-7 at κ = 1e6)
        expect(Math.abs(out[1]! - want[1]!)).toBeLessThanOrEqual(1e-8 * want[1]!);
        expect(Math.abs(out[2]! - want[2]!)).toBeLessThanOrEqual(1e-7 * want[2]!);
      }
    }
  });
});
