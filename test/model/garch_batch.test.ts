import { describe, expect, test } from "bun:test";
import { GarchBatch, garchLogLikBatch, garchLogLikScreen } from "../../src/model/garch_batch.ts";
import { seededRandom } from "../../src/model/prng.ts";
import { garchFit, garchLogLik, garchLogLikBlocked, meanSquare } from "../../src/model/volatility.ts";
import { sequentialFit, series } from "./garch_oracle.ts";

describe("batched GARCH likelihood", () => {
  test("every lane is bit-identical to the one-candidate functions, inadmissible lanes −∞", () => {
    const r = series(1, 2000);
    const vbar = meanSquare(r);
    const g = new GarchBatch();
    const rnd = seededRandom(9);
    const out = new Float64Array(1);
    for (let t = 0; t < 200; t++) {
      g.m = 1 + (t % 4);
      for (let k = 0; k < 4; k++) {
        g.alpha[k] = rnd() < 0.1 ? -0.01 : rnd() * 0.5;
        g.beta[k] = rnd() * 1.05;
      }
      for (const blocked of [false, true]) {
        garchLogLikBatch(r, 7, r.length, vbar, g, blocked);
        for (let k = 0; k < 4; k++) {
          const want = k < g.m ? (blocked ? garchLogLikBlocked : garchLogLik)(r, 7, r.length, vbar, g.alpha[k]!, g.beta[k]!, out) : -Infinity;
          expect(Object.is(g.logLik[k], want)).toBe(true);
          if (Number.isFinite(want)) expect(g.variance[k]).toBe(out[0]!);
        }
      }
    }
  });

  test("screening pass: the exact forecast, ℓ within its stated bound of the blocked ℓ, bound tight enough to rank", () => {
    const out = new Float64Array(1);
    const g = new GarchBatch();
    const rnd = seededRandom(21);
    let worst = 0;
    for (const [seed, n, scale, spike] of [[2, 3601, 1, 0], [3, 500, 1e-10, 0], [4, 3601, 1, 1e-2], [5, 20000, 1, 0], [6, 64, 1, 0], [7, 3601, 1e6, 0]] as const) {
      const r = series(seed, n).map((x) => x * scale);
      if (spike) r[n >> 1] = spike;
      const vbar = meanSquare(r);
      let xmax = 0;
      for (const x of r) xmax = Math.max(xmax, x * x);
      for (let t = 0; t < 60; t++) {
        g.m = 1 + (t % 4);
        for (let k = 0; k < 4; k++) {
          g.alpha[k] = t % 7 === 0 ? 0 : rnd() < 0.05 ? -0.01 : rnd() * 0.5;
          g.beta[k] = rnd() * 1.02;
        }
        garchLogLikScreen(r, 0, n, vbar, g, xmax);
        for (let k = 0; k < 4; k++) {
          const want = k < g.m ? garchLogLikBlocked(r, 0, n, vbar, g.alpha[k]!, g.beta[k]!, out) : -Infinity;
          if (!Number.isFinite(want)) {
            expect(g.logLik[k]).toBe(-Infinity);
            continue;
          }
          expect(g.variance[k]).toBe(out[0]!);
          expect(Math.abs(g.logLik[k]! - want)).toBeLessThanOrEqual(g.bound[k]!);
          // unscreened (+∞) only where σ²₁ = 1e-12 ≫ v̄ overflows the scaled products: the caller evaluates exactly
          if (!Number.isFinite(g.bound[k]!)) expect(scale).toBe(1e-10);
          else worst = Math.max(worst, g.bound[k]! / Math.abs(want));
        }
      }
    }
    // ranking needs the bound far below the ℓ differences of neighbouring candidates
    expect(worst).toBeLessThan(1e-10); // grows with n²: ≈ 7e-11 of |ℓ| at 20,000 returns
  });

  test("garchFit (batched, speculative walk, screened) returns exactly the sequential search's fit", () => {
    for (let seed = 0; seed <= 12; seed++) {
      // seed 0: iid returns — the optimum on the degenerate α = 0 line, where screening cannot rank
      const r = seed === 0 ? series(99, 2000).map((_, i) => Math.sin(i * 12.9898) * 1e-4) : series(seed, 300 + seed * 150);
      const prev = sequentialFit(r, undefined, false, 0)!;
      const seeds = [{ alpha: prev.alpha + 0.01, beta: prev.beta - 0.02 }, { alpha: 0.02, beta: 0.96 }, { alpha: 0.2, beta: 0.78 }];
      for (const [start, blocked, stride] of [[undefined, false, 0], [undefined, true, 0], [seeds, true, 0], [seeds, false, 5], [[{ alpha: 0.5, beta: 0.6 }], true, 0]] as const) {
        expect(garchFit(r, 0, r.length, start as never, blocked, stride)).toEqual(sequentialFit(r, start as never, blocked, stride));
      }
    }
  });
});
