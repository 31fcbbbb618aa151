import { exactMid } from "./exact_price.ts";

/**
 * "Effective" price of one book side (docs/original.md §5.6, calculate_spread only): walk the
 * levels best → worst, skipping price ≤ 0 or qty ≤ 0 (and NaN), accumulating notional price·qty
 * until `threshold` (quote currency) is reached. The marginal price is the last level touched; if
 * the depth is insufficient it is the deepest valid level. NaN when the side has no valid level
 * or threshold ≤ 0.
 */
export function effectiveMarginalPrice(px: Float64Array[], qty: Float64Array[], row: number, threshold: number): number {
  if (!(threshold > 0)) return NaN;
  let acc = 0;
  let marginal = NaN;
  for (let l = 0; l < px.length; l++) {
    const p = px[l][row];
    const q = qty[l][row];
    if (!(p > 0) || !(q > 0) || !Number.isFinite(p) || !Number.isFinite(q)) continue;
    marginal = p;
    acc += p * q;
    if (acc >= threshold) break;
  }
  return marginal;
}

/** (marginal bid + marginal ask)/2, or NaN when either side has none. */
export function effectiveMid(bidPx: Float64Array[], bidQty: Float64Array[], askPx: Float64Array[], askQty: Float64Array[], row: number, threshold: number): number {
  const b = effectiveMarginalPrice(bidPx, bidQty, row, threshold);
  const a = effectiveMarginalPrice(askPx, askQty, row, threshold);
  return b > 0 && a > 0 ? exactMid(b, a) : NaN;
}

/** Best (first valid) and farthest (last valid) level price of a side; NaN when none. */
export function bestAndFar(px: Float64Array[], row: number, out: Float64Array): void {
  let best = NaN;
  let far = NaN;
  for (let l = 0; l < px.length; l++) {
    const p = px[l][row];
    if (p > 0 && Number.isFinite(p)) {
      if (Number.isNaN(best)) best = p;
      far = p;
    }
  }
  out[0] = best;
  out[1] = far;
}
