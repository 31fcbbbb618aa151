/**
 * Tick arithmetic in integer ticks. `price / tick` in f64 is not exact (3495.49/0.01 =
 * 349548.99999999994), so a ratio within a relative 1e-9 of an integer is snapped to it before
 * flooring or ceiling; prices are then rebuilt from the integer tick count.
 */

const SNAP = 1e-9;

/** price/tick, snapped to the nearest integer when within f64 division error (a few ulps) or 1e-9 tick. */
function ticksOf(price: number, tick: number): number {
  const x = price / tick;
  const n = Math.round(x);
  return Math.abs(x - n) <= Math.max(SNAP, 16 * Number.EPSILON * Math.abs(x)) ? n : x;
}

/** Largest tick count whose price is ≤ `price`. */
export function floorTicks(price: number, tick: number): number {
  return Math.floor(ticksOf(price, tick));
}

/** Smallest tick count whose price is ≥ `price`. */
export function ceilTicks(price: number, tick: number): number {
  return Math.ceil(ticksOf(price, tick));
}

/**
 * Price of an integer tick count. When 1/tick is an integer (0.01, 0.1, 0.5 → no: 2) dividing by
 * it gives the double nearest to the decimal price (299705/100 = 2997.05), which `ticks·tick`
 * does not always do.
 */
export function ticksToPrice(ticks: number, tick: number): number {
  const inv = 1 / tick;
  const invInt = Math.round(inv);
  if (invInt > 0 && Math.abs(inv - invInt) <= SNAP * inv) return ticks / invInt;
  return ticks * tick;
}
