/**
 * A synthetic market with known parameters, for ground-truth tests and the benchmark:
 * - log-mid is a Brownian motion with σ per √second (the true mid is exposed alongside the book);
 * - the book is the mid ± a random half-spread of 1–3 ticks, `levels` ticks deep on each side;
 * - trades on each side arrive, during each snapshot interval, as a Poisson process in δ with
 *   density A·e^(−κδ) over the exposed range [δmin, δmax] — exactly the model of §4.4 — with
 *   trade time uniform inside the interval (so the book before a trade is the one it saw).
 * Deterministic (xorshift-based PRNG seeded by `seed`). Everything is in typed arrays.
 */
export interface SyntheticParams {
  seed: number;
  seconds: number;
  snapshotsPerSecond: number;
  sigma: number;
  kappaBid: number;
  aBid: number;
  kappaAsk: number;
  aAsk: number;
  mid0?: number;
  tick?: number;
  levels?: number;
  t0?: number;
}

export interface SyntheticMarket {
  nBooks: number;
  bookTs: Float64Array;
  mid: Float64Array;
  bestBid: Float64Array;
  bestAsk: Float64Array;
  farBid: Float64Array;
  farAsk: Float64Array;
  nTrades: number;
  tradeTs: Float64Array;
  tradePx: Float64Array;
  /** −1 taker sell (bid side), +1 taker buy (ask side). */
  tradeSide: Int8Array;
  /** Index of the first trade after book i (trades of interval i are [tradeStart[i], tradeStart[i+1])). */
  tradeStart: Int32Array;
}

export function makeRng(seed: number) {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const u32 = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const uniform = () => (u32() * 4294967296 + u32()) / 18446744073709551616; // [0,1)
  let spare = NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const x = spare;
      spare = NaN;
      return x;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  const poisson = (lambda: number) => {
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()));
    const L = Math.exp(-lambda);
    let k = 0;
    let p = uniform();
    while (p > L) {
      k++;
      p *= uniform();
    }
    return k;
  };
  return { uniform, normal, poisson };
}

/** δ from the exponential density ∝ e^(−κδ) truncated to [lo, hi] (inverse CDF). */
function truncExp(u: number, kappa: number, lo: number, hi: number): number {
  const a = Math.exp(-kappa * lo);
  const b = Math.exp(-kappa * hi);
  return -Math.log(a - u * (a - b)) / kappa;
}

export function generateSynthetic(p: SyntheticParams): SyntheticMarket {
  const rng = makeRng(p.seed);
  const tick = p.tick ?? 0.1;
  const levels = p.levels ?? 20;
  const n = Math.round(p.seconds * p.snapshotsPerSecond);
  const dtMs = 1000 / p.snapshotsPerSecond;
  const t0 = p.t0 ?? 1_700_000_000_000;
  const bookTs = new Float64Array(n), mid = new Float64Array(n);
  const bestBid = new Float64Array(n), bestAsk = new Float64Array(n), farBid = new Float64Array(n), farAsk = new Float64Array(n);
  const tradeStart = new Int32Array(n + 1);
  const expected = Math.ceil((p.aBid / p.kappaBid + p.aAsk / p.kappaAsk) * p.seconds * 1.2 + 1000);
  let tradeTs = new Float64Array(expected), tradePx = new Float64Array(expected), tradeSide = new Int8Array(expected);
  let nt = 0;
  const push = (ts: number, px: number, side: number) => {
    if (nt === tradeTs.length) {
      const g = <T extends Float64Array | Int8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      tradeTs = g(tradeTs);
      tradePx = g(tradePx);
      tradeSide = g(tradeSide);
    }
    tradeTs[nt] = ts;
    tradePx[nt] = px;
    tradeSide[nt] = side;
    nt++;
  };
  let logMid = Math.log(p.mid0 ?? 3000);
  const step = p.sigma * Math.sqrt(dtMs / 1000);
  for (let i = 0; i < n; i++) {
    const ts = t0 + Math.round(i * dtMs);
    const m = Math.exp(logMid);
    const halfB = 1 + Math.floor(rng.uniform() * 3);
    const halfA = 1 + Math.floor(rng.uniform() * 3);
    const bb = (Math.floor(m / tick) - halfB + 1) * tick;
    const ba = (Math.ceil(m / tick) + halfA - 1) * tick;
    bookTs[i] = ts;
    mid[i] = m;
    bestBid[i] = bb;
    bestAsk[i] = ba;
    farBid[i] = bb - (levels - 1) * tick;
    farAsk[i] = ba + (levels - 1) * tick;
    // Trades during [ts, ts + dt): Poisson in δ over the exposed range.
    tradeStart[i] = nt;
    const dur = dtMs / 1000;
    const side = (s: number, kappa: number, A: number, best: number, far: number) => {
      const lo = Math.max(s * (best - m), 0) / m;
      const hi = Math.max(s * (far - m), 0) / m;
      if (!(hi > lo)) return;
      const lambda = dur * (A / kappa) * (Math.exp(-kappa * lo) - Math.exp(-kappa * hi));
      const k = rng.poisson(lambda);
      for (let j = 0; j < k; j++) {
        const d = truncExp(rng.uniform(), kappa, lo, hi);
        const tts = ts + 1 + Math.floor(rng.uniform() * (dtMs - 1));
        push(tts, s > 0 ? m * (1 + d) : m * (1 - d), s);
      }
    };
    side(-1, p.kappaBid, p.aBid, bb, farBid[i]);
    side(1, p.kappaAsk, p.aAsk, ba, farAsk[i]);
    // keep the interval's trades in time order
    sortRange(tradeTs, tradePx, tradeSide, tradeStart[i], nt);
    logMid += step * rng.normal();
  }
  tradeStart[n] = nt;
  return {
    nBooks: n, bookTs, mid, bestBid, bestAsk, farBid, farAsk, nTrades: nt,
    tradeTs: tradeTs.subarray(0, nt), tradePx: tradePx.subarray(0, nt), tradeSide: tradeSide.subarray(0, nt), tradeStart,
  };
}

function sortRange(ts: Float64Array, px: Float64Array, side: Int8Array, from: number, to: number) {
  for (let i = from + 1; i < to; i++) {
    const t = ts[i], p = px[i], s = side[i];
    let j = i - 1;
    while (j >= from && ts[j] > t) {
      ts[j + 1] = ts[j];
      px[j + 1] = px[j];
      side[j + 1] = side[j];
      j--;
    }
    ts[j + 1] = t;
    px[j + 1] = p;
    side[j + 1] = s;
  }
}
