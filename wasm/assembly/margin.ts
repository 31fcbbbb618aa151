// Cross margin for the one market of a run (USD-margined perpetual): the initial-margin check on
// new orders and fills, the maintenance-margin watch that triggers liquidation, and the margin
// metrics. Off (leverage 0) under the compatibility option `margin_model: "none"`: then buys are
// limited by cash instead (account.ts) and nothing is liquidated.
// TS twin: src/sim/reference/margin.ts; rules and sources: docs/backtest.md "Margin".
import { ld, st } from "./market";
import {
  P_AFTER_LIQUIDATION, P_LEVERAGE, P_MAINTENANCE_MARGIN_RATIO, S_MARGIN_REJECTS, S_MIN_LIQ_DISTANCE, S_PEAK_MARGIN_USAGE,
} from "./generated/layout";

export let marginOn: bool = false, stopAfterLiquidation: bool = false;
let leverage: f64 = 0, mmr: f64 = 0;
let peakUsage: f64 = 0, minDist: f64 = Infinity, rejects: f64 = 0;

export function marginBegin(pb: usize): void {
  leverage = ld(pb, P_LEVERAGE);
  mmr = ld(pb, P_MAINTENANCE_MARGIN_RATIO);
  marginOn = leverage > 0;
  stopAfterLiquidation = ld(pb, P_AFTER_LIQUIDATION) == 0;
  peakUsage = 0; minDist = Infinity; rejects = 0;
}

/**
 * Whether the account may go from position invBefore to invAfter, with equity equityAfter
 * afterwards, at the mark: a reduction always may; otherwise the initial margin
 * |invAfter| × mark / leverage must stay within the equity.
 */
@inline export function withinInitialMargin(invBefore: f64, invAfter: f64, equityAfter: f64, mark: f64): bool {
  const q = Math.abs(invAfter);
  return q <= Math.abs(invBefore) || q * mark / leverage <= equityAfter;
}

/** An order refused because, filled in full, its initial margin would exceed the equity. */
@inline export function marginRefused(): void { rejects++; }

/**
 * The account at the mark (cash, position inv): updates peak margin usage (initial margin /
 * equity) and the minimum distance to the liquidation price (in units of the price); returns
 * whether the equity is below the maintenance margin |inv| × mark × ratio (liquidation).
 */
@inline export function marginWatch(cash: f64, inv: f64, mark: f64): bool {
  if (inv == 0 || !(mark > 0)) return false;
  const notional = Math.abs(inv) * mark;
  const eq = cash + inv * mark;
  const room = eq - notional * mmr;
  // the liquidation price p solves cash + inv·p = |inv|·p·mmr; its distance from the mark,
  // (mark − p)/mark for a long and (p − mark)/mark for a short, is room / den
  const den = notional * (inv > 0 ? 1 - mmr : 1 + mmr);
  if (room < minDist * den) minDist = room / den;
  const im = notional / leverage;
  if (eq > 0 && im > peakUsage * eq) peakUsage = im / eq;
  return room < 0;
}

export function marginScalars(o: usize): void {
  st(o, S_MARGIN_REJECTS, rejects);
  st(o, S_PEAK_MARGIN_USAGE, peakUsage);
  st(o, S_MIN_LIQ_DISTANCE, minDist == Infinity ? 0 : minDist); // 0 with peak usage 0: never held a position
}
