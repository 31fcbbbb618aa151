/**
 * Monte-Carlo of the Avellaneda–Stoikov (2008) set-up (docs/references.md §5.2), driven by the project's
 * own `computeOptimalQuote`: mid s moves ±σ√dt per step (coin flip); at each step the agent quotes,
 * then each side fills with probability λ(δ)·dt = A·e^(−kδ)·dt (literal, as the paper), one unit.
 * Profit = cash + q_T·s_T.
 *
 * The paper is in absolute price units with arithmetic Brownian motion; the quote function works
 * in return space, so each step maps σ → σ/s, k → k·s, γ → γ·s (which leaves γσ²τ and
 * (2/γ)ln(1+γ/k) unchanged in price units), horizon = T − t, maxInventory = 1 with the unclipped
 * skew (r = s − qγσ²(T−t)), no tick, no spread bounds, no fee floor.
 *   inventory strategy: computeOptimalQuote(s, q, …) at every step;
 *   symmetric strategy: the paper's benchmark — a constant spread equal to the inventory
 *   strategy's time-averaged spread (from computeOptimalQuote at q = 0 over the time grid),
 *   centred on the mid. (A time-varying symmetric spread gives std(q) 5.9 instead of the
 *   published 5.1 at γ = 1; the constant average reproduces the published table.)
 */
import { computeOptimalQuote, type QuoteParams } from "./quote.ts";
import { seededRandom } from "./prng.ts";

export interface AsSimParams {
  s0: number;
  T: number;
  sigma: number;
  dt: number;
  A: number;
  k: number;
  gamma: number;
  q0: number;
  paths: number;
  seed: number;
}

export const AS_PAPER: Omit<AsSimParams, "gamma" | "paths" | "seed"> = { s0: 100, T: 1, sigma: 2, dt: 0.005, A: 140, k: 1.5, q0: 0 };

export interface StrategyStats {
  /** Mean over paths and steps of ask − bid. */
  spread: number;
  profit: number;
  stdProfit: number;
  finalQ: number;
  stdQ: number;
  /** Standard errors of the two means (std/√paths). */
  seProfit: number;
  seQ: number;
}

export interface AsSimResult {
  params: AsSimParams;
  inventory: StrategyStats;
  symmetric: StrategyStats;
}

function quoteParams(gammaR: number): QuoteParams {
  return {
    gammaMode: "constant", riskAversionGamma: gammaR, gammaMin: gammaR, gammaMax: gammaR,
    horizonSeconds: 0, maxInventory: 1, tickSize: 0, maxShiftTicks: 0,
    minSpreadBps: 0, maxSpreadBps: 0, makerFeeBps: 0, minVolatility: 0, maxVolatility: 0, unclippedSkew: true,
  };
}

function stats(profit: Float64Array, q: Float64Array, spreadSum: number, steps: number): StrategyStats {
  const n = profit.length;
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / n;
  const sd = (x: Float64Array, m: number) => Math.sqrt(x.reduce((s, v) => s + (v - m) * (v - m), 0) / Math.max(n - 1, 1));
  const mp = mean(profit);
  const mq = mean(q);
  const sp = sd(profit, mp);
  const sq = sd(q, mq);
  return { spread: spreadSum / (n * steps), profit: mp, stdProfit: sp, finalQ: mq, stdQ: sq, seProfit: sp / Math.sqrt(n), seQ: sq / Math.sqrt(n) };
}

/** Both strategies on the same mid paths (common random numbers for the price, separate fill draws). */
export function simulateAs(p: AsSimParams): AsSimResult {
  if (!(p.paths >= 1) || !(p.dt > 0) || !(p.T > 0) || !(p.gamma > 0) || !(p.sigma >= 0) || !(p.A >= 0) || !(p.k > 0) || !(p.s0 > 0)) {
    throw new RangeError("simulateAs: paths ≥ 1 and dt, T, gamma, k, s0 > 0, sigma, A ≥ 0 required");
  }
  const rnd = seededRandom(p.seed);
  const steps = Math.round(p.T / p.dt);
  const jump = p.sigma * Math.sqrt(p.dt);
  // The symmetric benchmark's constant spread: time average of the model spread (independent of s and q).
  let avgSpread = 0;
  for (let i = 0; i < steps; i++) {
    const qp = quoteParams(p.gamma * p.s0);
    qp.horizonSeconds = p.T - i * p.dt;
    const quote = computeOptimalQuote(p.s0, 0, p.sigma / p.s0, p.k * p.s0, p.k * p.s0, qp);
    avgSpread += (quote.ask - quote.bid) / steps;
  }
  // the quote function maps a non-finite spread to 0 (γ·s overflowing, say): that is no strategy to simulate
  if (!(avgSpread > 0 && Number.isFinite(avgSpread))) throw new RangeError(`simulateAs: the model spread is ${avgSpread} for these parameters (gamma, sigma, k out of range)`);
  const out = [0, 1].map(() => ({ profit: new Float64Array(p.paths), q: new Float64Array(p.paths), spread: 0 }));
  for (let path = 0; path < p.paths; path++) {
    let s = p.s0;
    const q = [p.q0, p.q0];
    const cash = [0, 0];
    for (let i = 0; i < steps; i++) {
      const tau = p.T - i * p.dt;
      const qp = quoteParams(p.gamma * s);
      qp.horizonSeconds = tau;
      const sigmaR = p.sigma / s;
      const kR = p.k * s;
      const quote = computeOptimalQuote(s, q[0], sigmaR, kR, kR, qp);
      for (let strat = 0; strat < 2; strat++) {
        const bid = strat === 0 ? quote.bid : s - avgSpread / 2;
        const ask = strat === 0 ? quote.ask : s + avgSpread / 2;
        out[strat].spread += ask - bid;
        const pa = p.A * Math.exp(-p.k * (ask - s)) * p.dt;
        const pb = p.A * Math.exp(-p.k * (s - bid)) * p.dt;
        if (rnd() < pa) {
          q[strat] -= 1;
          cash[strat] += ask;
        }
        if (rnd() < pb) {
          q[strat] += 1;
          cash[strat] -= bid;
        }
      }
      s += rnd() < 0.5 ? jump : -jump;
      // the quote function works in return space: a mid ≤ 0 has no quote (arithmetic BM can get there)
      if (!(s > 0)) throw new RangeError(`simulateAs: the mid reached ${s} on path ${path + 1} (sigma too large for s0 = ${p.s0})`);
    }
    for (let strat = 0; strat < 2; strat++) {
      out[strat].profit[path] = cash[strat] + q[strat] * s;
      out[strat].q[path] = q[strat];
    }
  }
  return {
    params: p,
    inventory: stats(out[0].profit, out[0].q, out[0].spread, steps),
    symmetric: stats(out[1].profit, out[1].q, out[1].spread, steps),
  };
}
