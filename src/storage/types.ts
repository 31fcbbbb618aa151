/**
 * Column-major batches: the one shape in which market data moves between storage, the collector,
 * the model and the backtest. No per-row objects on hot paths. Missing values are NaN.
 */

/** Order-book rows of one market; level 0 is the best price. */
export interface BookBatch {
  market: string;
  length: number;
  /** Levels per side held in the arrays below. */
  levels: number;
  /** Epoch milliseconds (exact as doubles up to 2^53). */
  timestampMs: Float64Array;
  seq: BigInt64Array;
  /** `bidPx[level][row]`; NaN where the level is absent. */
  bidPx: Float64Array[];
  bidQty: Float64Array[];
  askPx: Float64Array[];
  askQty: Float64Array[];
}

/** Taker (aggressor) side: BUY lifted the ask, SELL hit the bid (is_buyer_maker = true). */
export const Side = { unknown: 0, buy: 1, sell: -1 } as const;
export const TradeType = { trade: 0, liquidation: 1, deleverage: 2, unknown: 3 } as const;
export const TRADE_TYPE_NAMES = ["TRADE", "LIQUIDATION", "DELEVERAGE", "UNKNOWN"] as const;

/** Public trades of one market, in stored order. */
export interface TradeBatch {
  market: string;
  length: number;
  timestampMs: Float64Array;
  price: Float64Array;
  quantity: Float64Array;
  /** Side.buy / Side.sell / Side.unknown (some sources lack it). */
  side: Int8Array;
  /** Exchange trade ids (exceed 2^53); null when the source has none (original Rust files). */
  tradeId: BigInt64Array | null;
  /** TradeType codes. */
  tradeType: Uint8Array;
}

/** Funding-rate prints of one market. */
export interface FundingBatch {
  market: string;
  length: number;
  timestampMs: Float64Array;
  fundingRate: Float64Array;
}
