import { UsageError } from "../errors.ts";
import { MARKET_NAME, type Config } from "./schema.ts";

/** A market name that is safe as a directory name and URL segment (letters, digits, _ . -). */
export function assertMarketName(market: string): void {
  if (!MARKET_NAME.test(market) || market.includes("..")) {
    throw new UsageError(`invalid market name ${JSON.stringify(market)} (letters, digits, _ . - only)`);
  }
}

/** What market.json (from `GET /info/markets`) tells us about one market. */
export interface MarketInfo {
  name: string;
  tick_size?: number;
  lot_size?: number;
  /** `tradingConfig.maxLeverage`: the market's leverage ceiling. */
  max_leverage?: number;
  status?: string;
}

/** Everything the model and backtest need to know about one market, fully resolved. */
export interface MarketParams {
  market: string;
  tickSize: number;
  lotSize: number;
  maxInventory: number;
  orderNotional: number;
  makerFeeBps: number;
  takerFeeBps: number;
  /** Leverage for the margin check: the configured one, capped by the market's maximum. */
  leverage: number;
  /** Maintenance margin / position notional. */
  maintenanceMarginRatio: number;
}

/**
 * Resolution order per field: `markets_config[market]` (explicit user intent) → market.json from
 * the exchange (tick/lot/max leverage; skipped with `use_market_json: false`) → the global config
 * key. Lot size has no global key: without market.json it falls back to 0 = "no rounding".
 * Leverage is capped by market.json's max_leverage; the maintenance margin ratio defaults to
 * Extended's rule, half the initial margin at the maximum leverage (0.5 / max_leverage; 0.5 /
 * leverage when the maximum is unknown, which is never lower than the exchange's).
 */
export function resolveMarket(config: Config, market: string, info?: MarketInfo): MarketParams {
  const o = config.markets_config[market] ?? {};
  if (!config.use_market_json) info = undefined;
  const wanted = o.leverage ?? config.leverage;
  const leverage = info?.max_leverage !== undefined ? Math.min(wanted, info.max_leverage) : wanted;
  return {
    leverage,
    maintenanceMarginRatio: o.maintenance_margin_ratio ?? config.maintenance_margin_ratio ?? 0.5 / (info?.max_leverage ?? leverage),
    market,
    tickSize: o.tick_size ?? info?.tick_size ?? config.tick_size,
    lotSize: o.lot_size ?? info?.lot_size ?? 0,
    maxInventory: o.max_inventory ?? config.max_inventory,
    orderNotional: o.order_notional ?? config.order_notional,
    makerFeeBps: o.maker_fee_bps ?? config.maker_fee_bps,
    takerFeeBps: o.taker_fee_bps ?? config.taker_fee_bps,
  };
}
