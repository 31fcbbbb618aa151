/**
 * The numeric parameters of one simulation run, resolved from config + market. They cross into the
 * WASM core as one Float64Array "param block" in PARAM_KEYS order; the core's P_* offsets are
 * generated from PARAM_KEYS (wasm_layout.ts).
 */
import * as v from "valibot";
import type { MarketParams } from "../config/market.ts";
import { describeIssue } from "../config/load.ts";
import { CONFIG_ENTRIES, type Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";

export const FillModel = { cross: 0, strict: 1, queue: 2 } as const;
export const QueueModel = { risk_averse: 0, power: 1 } as const;
export const Requote = { every_update: 0, on_recalibration: 1 } as const;
export const GammaModeCode = { constant: 0, inventory_scaled: 1, max_shift: 2 } as const;
export const AfterLiquidation = { stop: 0, continue: 1 } as const;

export interface RunParams {
  capital: number;
  orderNotional: number;
  /** Base-unit increment of order sizes; 0 = no rounding. */
  lotSize: number;
  tickSize: number;
  maxInventory: number;
  makerFeeBps: number;
  takerFeeBps: number;
  cooldownMs: number;
  /** 0 = quotes never expire. */
  validityMs: number;
  gapMs: number;
  warmupMs: number;
  latencyMs: number;
  fillModel: number;
  queueModel: number;
  queuePower: number;
  requote: number;
  /** 1 = size = notional / trade price at fill time, no lot rounding (the original's rule). */
  originalSizing: number;
  sampleMs: number;
  /** 1 = reject a quote that would cross the book when it goes live. */
  postOnly: number;
  // AS quote (src/model/quote.ts QuoteParams)
  gammaMode: number;
  riskAversionGamma: number;
  gammaMin: number;
  gammaMax: number;
  horizonSeconds: number;
  maxShiftTicks: number;
  minSpreadBps: number;
  maxSpreadBps: number;
  minVolatility: number;
  maxVolatility: number;
  // margin (reference/margin.ts)
  /** Leverage of the cross-margin account; 0 = no margin model (the original's cash account). */
  leverage: number;
  maintenanceMarginRatio: number;
  liquidationFeeBps: number;
  /** 0 = stop quoting after a liquidation, 1 = continue from flat. */
  afterLiquidation: number;
}

/** Order of the param block (the core's P_* offsets are generated from it). */
export const PARAM_KEYS: readonly (keyof RunParams)[] = [
  "capital", "orderNotional", "lotSize", "tickSize", "maxInventory", "makerFeeBps", "takerFeeBps",
  "cooldownMs", "validityMs", "gapMs", "warmupMs", "latencyMs", "fillModel", "queueModel", "queuePower",
  "requote", "originalSizing", "sampleMs", "postOnly", "gammaMode", "riskAversionGamma", "gammaMin",
  "gammaMax", "horizonSeconds", "maxShiftTicks", "minSpreadBps", "maxSpreadBps", "minVolatility", "maxVolatility",
  "leverage", "maintenanceMarginRatio", "liquidationFeeBps", "afterLiquidation",
];

export interface RunOverrides {
  capital?: number;
  orderNotional?: number;
}

/** A command-line override must lie in its config key's range (`--capital` as `initial_capital`). */
function checkOverride(flag: string, key: "initial_capital" | "order_notional", x: number | undefined): void {
  if (x === undefined) return;
  const r = v.safeParse(CONFIG_ENTRIES[key], x);
  if (!r.success) throw new UsageError(`--${flag} (${describeIssue(r.issues[0])})`.replace("(root)", key));
}

export function runParamsFromConfig(config: Config, market: MarketParams, o: RunOverrides = {}): RunParams {
  checkOverride("capital", "initial_capital", o.capital);
  checkOverride("notional", "order_notional", o.orderNotional);
  return {
    capital: o.capital ?? config.initial_capital,
    orderNotional: o.orderNotional ?? market.orderNotional,
    lotSize: market.lotSize,
    tickSize: market.tickSize,
    maxInventory: market.maxInventory,
    makerFeeBps: market.makerFeeBps,
    takerFeeBps: market.takerFeeBps,
    cooldownMs: config.fill_cooldown_seconds * 1000,
    validityMs: config.quote_validity_seconds * 1000,
    gapMs: config.gap_threshold_seconds * 1000,
    warmupMs: config.warmup_period_seconds * 1000,
    latencyMs: config.order_latency_ms,
    fillModel: FillModel[config.fill_model],
    queueModel: QueueModel[config.queue_model],
    queuePower: config.queue_power,
    requote: Requote[config.requote],
    originalSizing: config.original_sizing ? 1 : 0,
    sampleMs: config.equity_sample_seconds * 1000,
    postOnly: 1,
    gammaMode: GammaModeCode[config.gamma_mode],
    riskAversionGamma: config.risk_aversion_gamma,
    gammaMin: config.gamma_min,
    gammaMax: config.gamma_max,
    horizonSeconds: config.inventory_horizon_seconds,
    maxShiftTicks: config.max_shift_ticks,
    minSpreadBps: config.min_spread_bps,
    maxSpreadBps: config.max_spread_bps,
    minVolatility: config.min_volatility,
    maxVolatility: config.max_volatility,
    leverage: config.margin_model === "cross" ? market.leverage : 0,
    maintenanceMarginRatio: market.maintenanceMarginRatio,
    liquidationFeeBps: config.liquidation_fee_bps,
    afterLiquidation: AfterLiquidation[config.after_liquidation],
  };
}

export function encodeParams(p: RunParams, out = new Float64Array(PARAM_KEYS.length)): Float64Array {
  for (let i = 0; i < PARAM_KEYS.length; i++) out[i] = p[PARAM_KEYS[i]!];
  return out;
}
