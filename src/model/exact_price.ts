/**
 * Exact mids and distances from the mid. Prices are short decimals stored as the nearest doubles,
 * and f64 arithmetic on them is not exact: (93818.2 + 93818.4)/2 = 93818.29999999999, so a buy
 * at 93818.3 — exactly at the mid — sits 1.55e-16 above it and counts as a trade at δ > 0.
 *
 * Here the prices involved are scaled to the smallest common power-of-ten grid on which all of
 * them are whole numbers (a 0.1 book and 0.01 trades meet at 0.01; a grid finer than the trades'
 * works the same way), the arithmetic is done on those integers, and one correctly rounded
 * division gives the result. So a trade at the mid has δ = 0 exactly, a mid is the double
 * nearest to the decimal half-sum (what the original's Decimal mid converts to), and a δ is the
 * double nearest to the exact ratio — whatever the grid, since the ratio of integers does not
 * depend on the power of ten chosen.
 *
 * "Whole number" allows the error of one decimal-to-double conversion plus one product
 * (≤ 1e-15 relative); units are kept below 2^43 so that tolerance stays far below half a unit.
 * Values that are no short decimal (no grid up to 10^-12 within that range) fall back to f64.
 */

const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, k) => 10 ** k);
const MAX_UNITS = 2 ** 43;
const REL_TOL = 1e-15;

function whole(y: number): boolean {
  return Math.abs(y - Math.round(y)) <= REL_TOL * Math.max(1, Math.abs(y));
}

/** Smallest 10^k (k ≤ 12) with a·10^k and b·10^k both whole and < 2^43; 0 when there is none. */
export function commonScale(a: number, b: number): number {
  for (let k = 0; k <= MAX_DECIMALS; k++) {
    const s = POW10[k]!;
    const ya = a * s, yb = b * s;
    if (!(Math.abs(ya) < MAX_UNITS && Math.abs(yb) < MAX_UNITS)) return 0;
    if (whole(ya) && whole(yb)) return s;
  }
  return 0;
}

/** (bid + ask)/2 as the double nearest to the decimal half-sum. */
export function exactMid(bid: number, ask: number): number {
  const s = commonScale(bid, ask);
  if (s === 0) return (bid + ask) / 2;
  return (Math.round(bid * s) + Math.round(ask * s)) / (2 * s);
}

/**
 * Signed relative distance of `price` from `mid` on `side`: (mid − price)/mid for a bid (side < 0),
 * (price − mid)/mid for an ask — exactly 0 when the price is the mid. `mid` may be a half-sum of
 * grid prices (2·mid is then on the grid).
 */
export function relativeDistance(price: number, mid: number, side: number): number {
  const m2 = 2 * mid;
  const s = commonScale(price, m2);
  if (s === 0) return side < 0 ? (mid - price) / mid : (price - mid) / mid;
  const p2 = 2 * Math.round(price * s);
  const m = Math.round(m2 * s);
  return (side < 0 ? m - p2 : p2 - m) / m;
}
