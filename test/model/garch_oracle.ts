/** Test oracles for the GARCH search: the literal sequential search and GARCH-like return series. */
import { seededRandom } from "../../src/model/prng.ts";
import { garchLogLik, garchLogLikBlocked, meanSquare, type GarchFit } from "../../src/model/volatility.ts";

/** The literal one-candidate-at-a-time search (docs/original.md §4.3), the oracle of the batched one. */
export function sequentialFit(r: Float64Array, start: { alpha: number; beta: number }[] | undefined, blockedLog: boolean, stride: number): GarchFit | null {
  if (r.length < 5) return null;
  const vbar = meanSquare(r);
  if (!(vbar > 0)) return null;
  const ll = blockedLog && vbar >= 1e-30 ? garchLogLikBlocked : garchLogLik;
  const out = new Float64Array(1);
  let bestA = 0.1, bestB = 0.85, bestV = vbar, bestL = -Infinity;
  const consider = (a: number, b: number) => {
    const l = ll(r, 0, r.length, vbar, a, b, out);
    if (l > bestL) [bestL, bestA, bestB, bestV] = [l, a, b, out[0]!];
  };
  const step = start ? stride : 1;
  if (step > 0) for (let i = 0; i <= 25; i += step) for (let j = 0; j <= 49; j += step) if (i * 0.02 + j * 0.02 < 0.999) consider(i * 0.02, j * 0.02);
  for (const s of start ?? []) consider(s.alpha, s.beta);
  const R = [-0.02, -0.01, -0.005, 0, 0.005, 0.01, 0.02];
  for (const da of R) for (const db of R) {
    const a = Math.max(bestA + da, 0), b = Math.max(bestB + db, 0);
    if (a + b < 0.999) consider(a, b);
  }
  return Number.isFinite(bestL) && bestV > 0 ? { alpha: bestA, beta: bestB, logLik: bestL, variance: bestV } : null;
}

/** GARCH-like returns with volatility clusters and runs of zeros (1 s resampling of a quiet book). */
export function series(seed: number, n: number): Float64Array {
  const rnd = seededRandom(seed);
  const r = new Float64Array(n);
  let v = 1e-9;
  for (let i = 0; i < n; i++) {
    v = 2e-11 + 0.1 * (i > 0 ? r[i - 1]! ** 2 : 0) + 0.88 * v;
    const z = Math.sqrt(-2 * Math.log(rnd() + 1e-300)) * Math.cos(2 * Math.PI * rnd());
    r[i] = rnd() < 0.3 ? 0 : Math.sqrt(v) * z;
  }
  return r;
}

