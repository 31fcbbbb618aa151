/**
 * PnL attribution over time (pure): at every chart sample, the cumulative PnL split into
 * components that add up to equity − initial capital.
 *
 * - spread_capture: Σ over maker fills of (mid − price)·size for buys, (price − mid)·size for
 *   sells, at the mid in force at the fill (what the quote earned against the mid);
 * - fees: −Σ the fees of our quotes' fills and of the closing trade;
 * - liquidation: what the account's liquidations cost, Σ over liquidation fills of
 *   side·(mid − price)·size − fee (the taker and liquidation fees, and the close's distance from
 *   the mid); 0 without liquidations;
 * - funding: the part of cash no fill explains (cash − capital − Σ fill cash flows + Σ fees);
 * - inventory_pnl: the rest, i.e. the mark-to-market of the position as the mid moves (and the
 *   closing trade's distance from the mid).
 *
 * Without liquidations the final values are the summary's split (docs/backtest.md "PnL split");
 * with them, the summary's fees_total also holds the liquidation fees and its inventory_pnl the
 * liquidation's distance from the mid, which this split shows apart. The sum is exact by
 * construction and tested against equity at every point.
 */
import { FILL_BY_BOOK, FILL_LIQUIDATION } from "../sim/layout.ts";

/** A fill of one of our quotes (a trade index, or a book that crossed our price): not the close, not a liquidation. */
export const isQuoteFill = (trade: number) => trade >= FILL_BY_BOOK;

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

export const ATTRIBUTION_KEYS = ["spread_capture", "inventory_pnl", "fees", "funding", "liquidation"] as const;
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
  let k = 0, spread = 0, fees = 0, liq = 0, flow = 0, feesAll = 0;
  for (let j = 0; j < n; j++) {
    const last = j === n - 1;
    while (k < fills.ts.length && (last || fills.ts[k]! < ts[j]!)) {
      const side = fills.side[k]!, px = fills.price[k]!, sz = fills.size[k]!, fee = fills.fee[k]!, src = fills.trade[k]!;
      if (src === FILL_LIQUIDATION) liq += side * (fills.mid[k]! - px) * sz - fee;
      else {
        if (isQuoteFill(src)) spread += side * (fills.mid[k]! - px) * sz;
        fees += fee;
      }
      feesAll += fee;
      flow += -side * px * sz;
      k++;
    }
    const cash = samples.cash[j]!;
    const pnl = cash + samples.inventory[j]! * samples.mid[j]! - capital;
    const funding = cash - capital - flow + feesAll;
    total[j] = pnl;
    comp.spread_capture[j] = spread;
    comp.fees[j] = -fees;
    comp.funding[j] = funding;
    comp.liquidation[j] = liq;
    comp.inventory_pnl[j] = pnl - spread + fees - funding - liq;
  }
  return { ts, components: comp, total };
}
