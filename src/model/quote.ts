/**
 * Avellaneda–Stoikov quotes as the original's `compute_optimal_quote` (docs/original.md §5),
 * in f64, with per-side spreads and integer-tick rounding on the market's own tick.
 *
 * Units: mid and prices in quote currency; σ in log-return per √second; T in seconds; κ per unit
 * of relative distance (return space). All model terms are in return space and multiplied by mid.
 */
import type { Config } from "../config/schema.ts";
import type { MarketParams } from "../config/market.ts";
import { ceilTicks, floorTicks, ticksToPrice } from "./ticks.ts";

export type GammaMode = "constant" | "inventory_scaled" | "max_shift";

/** Everything `computeOptimalQuote` reads; build it once per run with `quoteParamsFromConfig`. */
export interface QuoteParams {
  gammaMode: GammaMode;
  /** γ for `constant`, and the fallback when σ²·T·mid makes γ_shift undefined. */
  riskAversionGamma: number;
  /** γ clamp, applied only when gammaMax > gammaMin and gammaMax > 0 (as the original). */
  gammaMin: number;
  gammaMax: number;
  /** T in σ²T, seconds. */
  horizonSeconds: number;
  /** Normaliser of the inventory skew: q/maxInventory clipped to ±1 (base units). */
  maxInventory: number;
  /** The market's price increment (MarketParams.tickSize); ≤ 0 disables rounding. */
  tickSize: number;
  maxShiftTicks: number;
  /** Per-side full-spread floor and cap in bps of mid (cap ≤ 0 disables it). */
  minSpreadBps: number;
  maxSpreadBps: number;
  /** The floor is raised to 2·maker fee (each side at least one fee away from r). */
  makerFeeBps: number;
  /** σ clamp, applied only when maxVolatility > minVolatility. */
  minVolatility: number;
  maxVolatility: number;
  /**
   * The paper's skew r = mid − (q/maxInventory)·γσ²T·mid without the original's clip of
   * q/maxInventory to ±1 (used by `simulate`, where maxInventory = 1 makes it r = s − qγσ²T).
   */
  unclippedSkew?: boolean;
}

export function quoteParamsFromConfig(config: Config, market: MarketParams): QuoteParams {
  return {
    gammaMode: config.gamma_mode,
    riskAversionGamma: config.risk_aversion_gamma,
    gammaMin: config.gamma_min,
    gammaMax: config.gamma_max,
    horizonSeconds: config.inventory_horizon_seconds,
    maxInventory: market.maxInventory,
    tickSize: market.tickSize,
    maxShiftTicks: config.max_shift_ticks,
    minSpreadBps: config.min_spread_bps,
    maxSpreadBps: config.max_spread_bps,
    makerFeeBps: market.makerFeeBps,
    minVolatility: config.min_volatility,
    maxVolatility: config.max_volatility,
  };
}

/** Why a quote has no usable side; `ok` quotes have both. */
export type QuoteStatus = "ok" | "invalid_mid" | "no_bid";

export interface Quote {
  status: QuoteStatus;
  /** Reservation price r (mid when r would be ≤ 0). */
  reservation: number;
  /** Tick-rounded prices; 0 when the side has no positive price (then bidTicks/askTicks = 0). */
  bid: number;
  ask: number;
  /** Integer tick counts of bid/ask (NaN-free; 0 when absent or when rounding is disabled). */
  bidTicks: number;
  askTicks: number;
  /** ask − bid if ask > bid, else the mean of the unrounded full spreads (price units). */
  optimalSpread: number;
  gamma: number;
  /** Full per-side spreads δ_bid, δ_ask after bounds, price units. */
  deltaBid: number;
  deltaAsk: number;
  /** σ actually used (after clamps and NaN → 0). */
  sigma: number;
}

const MIN_GAMMA = 1e-6;
const MAX_GAMMA = 1e6;
const finiteOr = (x: number, d: number) => (Number.isFinite(x) ? x : d);

/** γ per §5.2, from the *clamped* σ. */
export function selectGamma(p: QuoteParams, sigma: number, mid: number, inventory: number): number {
  const s2 = sigma * sigma;
  const T = p.horizonSeconds;
  const invRatio = p.maxInventory > 0 ? Math.min(Math.abs(inventory) / p.maxInventory, 1) : 0;
  const gConst = Math.max(p.riskAversionGamma, MIN_GAMMA);
  const gShift =
    s2 > 1e-12 && T > 0 && mid > 0 ? Math.min((p.maxShiftTicks * p.tickSize) / mid / (s2 * T), MAX_GAMMA) : gConst;
  let g: number;
  if (p.gammaMode === "constant") g = gConst;
  else if (p.gammaMode === "inventory_scaled") g = Math.max(gShift * invRatio, MIN_GAMMA);
  else g = Math.max(gShift, MIN_GAMMA);
  if (p.gammaMax > p.gammaMin && p.gammaMax > 0) {
    g = Math.min(Math.max(g, Math.max(p.gammaMin, MIN_GAMMA)), Math.min(p.gammaMax, MAX_GAMMA));
  }
  return finiteOr(g, gConst);
}

/**
 * σ after the configured clamp; NaN/negative → 0 (a zero-vol quote is still a defined quote);
 * +∞ → max_volatility when the clamp is on, else 0.
 */
export function clampSigma(p: QuoteParams, sigmaRaw: number): number {
  const clampOn = p.maxVolatility > p.minVolatility;
  let s = Number.isFinite(sigmaRaw) ? sigmaRaw : sigmaRaw === Infinity && clampOn ? p.maxVolatility : 0;
  if (clampOn) s = Math.min(Math.max(s, p.minVolatility), p.maxVolatility);
  return Math.max(s, 0);
}

/** Full spread of one side in return space (§5.3): γσ²T + (2/γ)·ln(1 + γ/κ). */
export function sideSpreadReturn(gamma: number, sigma: number, horizon: number, kappa: number): number {
  const k = kappa > 0 && Number.isFinite(kappa) ? kappa : 1;
  const d = gamma * sigma * sigma * horizon + (2 / gamma) * Math.log(Math.max(1 + gamma / k, 1e-6));
  return Number.isFinite(d) && d > 0 ? d : 0;
}

/** §5.4: floor max(min_spread, 2·maker fee), cap max_spread, both in bps of mid, per side. */
function boundSpread(p: QuoteParams, deltaPrice: number, mid: number): number {
  if (!(deltaPrice > 0)) return 0;
  let bps = (deltaPrice / mid) * 1e4;
  const floor = Math.max(p.minSpreadBps, 2 * Math.max(p.makerFeeBps, 0));
  const cap = p.maxSpreadBps > 0 ? p.maxSpreadBps : Math.max(bps, floor);
  if (cap > 0) {
    // floor > cap cannot be satisfied; the cap wins (the original would panic).
    bps = Math.min(Math.max(bps, Math.min(floor, cap)), cap);
    return (bps * mid) / 1e4;
  }
  return deltaPrice;
}

/**
 * The optimal quote for one instant. Pure, never throws, never returns NaN:
 * - mid not finite or ≤ 0 → status `invalid_mid`, all prices 0;
 * - σ NaN/negative → 0, +∞ → max_volatility (see clampSigma); κ ≤ 0 or NaN → 1 per side (as the original);
 * - inventory NaN → 0;
 * - a side whose raw price is ≤ 0 (spread wider than the price) gets price 0 and status `no_bid`.
 * Bid is rounded down and ask up to the tick in integer ticks; if rounding ever left bid > ask
 * (impossible with non-negative spreads) both collapse to the tick grid around their midpoint.
 */
export function computeOptimalQuote(
  mid: number,
  inventory: number,
  sigmaRaw: number,
  kappaBid: number,
  kappaAsk: number,
  p: QuoteParams,
): Quote {
  const sigma = clampSigma(p, sigmaRaw);
  if (!Number.isFinite(mid) || mid <= 0) {
    return {
      status: "invalid_mid", reservation: 0, bid: 0, ask: 0, bidTicks: 0, askTicks: 0,
      optimalSpread: 0, gamma: Math.max(p.riskAversionGamma, MIN_GAMMA), deltaBid: 0, deltaAsk: 0, sigma,
    };
  }
  const q = Number.isFinite(inventory) ? inventory : 0;
  const gamma = selectGamma(p, sigma, mid, q);
  const T = p.horizonSeconds;
  const deltaBid = boundSpread(p, sideSpreadReturn(gamma, sigma, T, kappaBid) * mid, mid);
  const deltaAsk = boundSpread(p, sideSpreadReturn(gamma, sigma, T, kappaAsk) * mid, mid);

  const ratio = p.maxInventory > 0 ? q / p.maxInventory : 0;
  const invSigned = p.unclippedSkew ? ratio : Math.min(Math.max(ratio, -1), 1);
  let r = mid - invSigned * gamma * sigma * sigma * T * mid;
  if (!(r > 0) || !Number.isFinite(r)) r = mid;

  const rawBid = r - deltaBid / 2;
  const rawAsk = r + deltaAsk / 2;
  const tick = p.tickSize;
  let bidTicks = 0;
  let askTicks = 0;
  let bid = 0;
  let ask = 0;
  if (tick > 0) {
    if (rawBid > 0) {
      bidTicks = floorTicks(rawBid, tick);
      bid = ticksToPrice(bidTicks, tick);
    }
    askTicks = ceilTicks(rawAsk, tick);
    ask = ticksToPrice(askTicks, tick);
    if (bidTicks > askTicks) {
      const midTicks = (bidTicks + askTicks) / 2;
      bidTicks = Math.floor(midTicks);
      askTicks = Math.ceil(midTicks);
      bid = ticksToPrice(bidTicks, tick);
      ask = ticksToPrice(askTicks, tick);
    }
  } else {
    bid = rawBid > 0 ? rawBid : 0;
    ask = rawAsk;
  }
  const optimalSpread = ask > bid && bid > 0 ? ask - bid : Math.max((deltaBid + deltaAsk) / 2, 0);
  return {
    status: bid > 0 ? "ok" : "no_bid",
    reservation: r, bid, ask, bidTicks, askTicks, optimalSpread, gamma, deltaBid, deltaAsk, sigma,
  };
}
