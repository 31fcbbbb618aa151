/**
 * PnL attribution over time (pure): at every chart sample, the cumulative PnL split into
 * components that add up to equity − initial capital.
 *
 * - spread_capture: Σ over maker fills of (mid − price)·size for buys, (price − mid)·size for
 *   sells, at the mid in force at the fill (what the quote earned against the mid);
 * - fees: −Σ every fee (maker fees, the closing trade's taker fee);
 * - funding: the part of cash no fill explains (cash − capital − Σ fill cash flows + Σ fees);
 * - inventory_pnl: the rest, i.e. the mark-to-market of the position as the mid moves (and the
 *   closing trade's distance from the mid), as in the summary (docs/backtest.md "PnL split").
 *
 * One more component (e.g. liquidations, from fills of another kind) is one more entry of
 * `components` taken out of the residual; the sum stays exact by construction and is tested
 * against equity at every point.
 */
import { FILL_CLOSE } from "../sim/layout.ts";

export interface FillColumns {
  ts: ArrayLike<number>;
  side: ArrayLike<number>;
  price: ArrayLike<number>;
  size: ArrayLike<number>;
  fee: ArrayLike<number>;
  mid: ArrayLike<number>;
  trade: ArrayLike<number>;
}

export interface EquitySamples {
  ts: ArrayLike<number>;
  cash: ArrayLike<number>;
  inventory: ArrayLike<number>;
  mid: ArrayLike<number>;
}

export const ATTRIBUTION_KEYS = ["spread_capture", "inventory_pnl", "fees", "funding"] as const;
export type AttributionKey = (typeof ATTRIBUTION_KEYS)[number];

export interface Attribution {
  ts: Float64Array;
  /** Cumulative USD per component, same length as ts. */
  components: Record<AttributionKey, Float64Array>;
  /** equity − capital. */
  total: Float64Array;
}

/**
 * A sample is taken before the events at or after its time, so fill k is in sample j when
 * fill.ts < sample.ts; the final sample (after the closing trade) holds every fill.
 */
export function attribution(samples: EquitySamples, fills: FillColumns, capital: number): Attribution {
  const n = samples.ts.length;
  const ts = Float64Array.from(samples.ts);
  const total = new Float64Array(n);
  const comp = Object.fromEntries(ATTRIBUTION_KEYS.map((k) => [k, new Float64Array(n)])) as Record<AttributionKey, Float64Array>;
  let k = 0, spread = 0, fees = 0, flow = 0;
  for (let j = 0; j < n; j++) {
    const last = j === n - 1;
    while (k < fills.ts.length && (last || fills.ts[k]! < ts[j]!)) {
      const side = fills.side[k]!, px = fills.price[k]!, sz = fills.size[k]!;
      if (fills.trade[k] !== FILL_CLOSE) spread += side * (fills.mid[k]! - px) * sz;
      fees += fills.fee[k]!;
      flow += -side * px * sz;
      k++;
    }
    const cash = samples.cash[j]!;
    const pnl = cash + samples.inventory[j]! * samples.mid[j]! - capital;
    const funding = cash - capital - flow + fees;
    total[j] = pnl;
    comp.spread_capture[j] = spread;
    comp.fees[j] = -fees;
    comp.funding[j] = funding;
    comp.inventory_pnl[j] = pnl - spread + fees - funding;
  }
  return { ts, components: comp, total };
}
