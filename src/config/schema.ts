import * as v from "valibot";
import { applyCompatProfile, COMPAT_PROFILES } from "./compat.ts";

/**
 * The one configuration schema. Every key of the original `config.json` (docs/original.md §2)
 * is here, with the same snake_case name, plus the keys this project adds. Defaults that differ
 * from the original code are deliberate and listed in README.md ("Defaults that differ").
 */

const num = (min?: number, max?: number) => {
  const checks: v.PipeItem<number, number, v.BaseIssue<unknown>>[] = [v.finite()];
  if (min !== undefined) checks.push(v.minValue(min));
  if (max !== undefined) checks.push(v.maxValue(max));
  return v.pipe(v.number(), ...checks);
};
const int = (min?: number, max?: number) => {
  const checks: v.PipeItem<number, number, v.BaseIssue<unknown>>[] = [v.integer()];
  if (min !== undefined) checks.push(v.minValue(min));
  if (max !== undefined) checks.push(v.maxValue(max));
  return v.pipe(v.number(), ...checks);
};
const positive = () => v.pipe(v.number(), v.finite(), v.gtValue(0));

/** `BTC-USD`, `NVDA_24_5-USD`: letters, digits, `_`, `-`, `.`; never a path separator or `..`. */
export const MARKET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const marketName = v.pipe(
  v.string(),
  v.regex(MARKET_NAME, "market name (letters, digits, _ . -)"),
  v.check((s) => !s.includes(".."), "market name without '..'"),
);

/** The market's directory name (`ETH-USD` → `eth_usd`): markets with equal keys would share one directory. */
export const marketKey = (market: string): string => market.replace(/-/g, "_").toLowerCase();

/**
 * The first pair of entries that name the same market (equal, or equal but for case or `-`/`_`,
 * so they would share a data directory), or null. Two collectors on one directory end in a lock
 * or journal clash, so a list with such a pair is a config error.
 */
export function duplicateMarket(markets: readonly string[]): [string, string] | null {
  const seen = new Map<string, string>();
  for (const m of markets) {
    const k = marketKey(m);
    const first = seen.get(k);
    if (first !== undefined) return [first, m];
    seen.set(k, m);
  }
  return null;
}

/** A number > 0 and ≤ max. */
const positiveUpTo = (max: number) => v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(max));

// Ranges of the account and market keys: anything outside is a config error naming the key (exit 2)
// rather than a run whose numbers mean nothing. The accounting check holds from $1 to $1e9.
const CAPITAL = () => num(1, 1e9);
const NOTIONAL = () => positiveUpTo(1e9);
const SIZE = () => positiveUpTo(1e9); // base units: max_inventory, tick and lot sizes
const FEE_BPS = () => num(-100, 100);
/** Leverage: 1× (fully collateralised) to 100× (above any Extended market's maximum, 50× for BTC). */
const LEVERAGE = () => num(1, 100);
/** Maintenance margin per unit of position notional at the mark; must stay below 1 / leverage. */
const MMR = () => v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(0.5));

/** Per-market overrides; anything absent falls back to the global key or to market.json. */
export const MarketOverrides = v.object({
  tick_size: v.optional(SIZE()),
  lot_size: v.optional(SIZE()),
  max_inventory: v.optional(SIZE()),
  order_notional: v.optional(NOTIONAL()),
  maker_fee_bps: v.optional(FEE_BPS()),
  taker_fee_bps: v.optional(FEE_BPS()),
  leverage: v.optional(LEVERAGE()),
  maintenance_margin_ratio: v.optional(MMR()),
});
export type MarketOverrides = v.InferOutput<typeof MarketOverrides>;

const ConfigObject = v.object({
  /** `original`: every compatibility option and the original's code defaults at once (compat.ts); keys set in the file win. */
  compat: v.optional(v.picklist(COMPAT_PROFILES), "none"),

  // ---- collection (original keys) ----
  markets: v.optional(v.array(marketName), ["BTC-USD", "ETH-USD", "SOL-USD"]),
  data_directory: v.optional(v.pipe(v.string(), v.minLength(1)), "data"),
  collect_orderbook: v.optional(v.boolean(), true),
  collect_trades: v.optional(v.boolean(), true),
  /** false subscribes with `?depth=1` (best bid/ask only); the original ignored this key. */
  collect_full_orderbook: v.optional(v.boolean(), true),
  /** Levels per side written to Parquet; the original ignored this key (always 20). */
  max_depth_levels: v.optional(int(1, 200), 20),

  // ---- collection (added) ----
  network: v.optional(v.picklist(["mainnet", "testnet"]), "mainnet"),
  /** Overrides the network's WebSocket base, e.g. `ws://127.0.0.1:8765/stream.extended.exchange/v1`. */
  ws_base: v.optional(v.pipe(v.string(), v.regex(/^wss?:\/\//, "ws:// or wss:// URL"))),
  /** Overrides the network's REST base, e.g. `http://127.0.0.1:8765/api/v1`. */
  rest_base: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\//, "http:// or https:// URL"))),
  user_agent: v.optional(v.pipe(v.string(), v.minLength(1)), "extended-mm/0.1.0"),
  /**
   * Row buffers are allocated up front and a part is encoded in one go, so the caps keep a part
   * within ~130 MiB and its write well inside the exchange's 10 s pong deadline.
   */
  orderbook_rows_per_part: v.optional(int(1, 100_000), 25_000),
  trades_rows_per_part: v.optional(int(1, 1_000_000), 50_000),
  /** Minimum ms between stored book rows; 0 stores every applied update. */
  orderbook_min_interval_ms: v.optional(int(0), 0),
  idle_timeout_seconds: v.optional(num(1), 30),
  reconnect_max_backoff_seconds: v.optional(num(1), 60),
  gap_log_threshold_ms: v.optional(int(0), 5_000),
  collect_funding: v.optional(v.boolean(), true),
  /** Journal fsync cadence: at most this much received data is lost by a kill -9. */
  journal_flush_ms: v.optional(int(10, 60_000), 1_000),
  /** A part is rolled from the journal at the row limit or after this many seconds. */
  part_roll_seconds: v.optional(num(1), 30),
  health_log_seconds: v.optional(num(1), 60),
  /** Object storage the collector moves each published part to (docs/collect.md "Upload"); unset: parts stay local. */
  upload_to: v.optional(v.pipe(v.string(), v.regex(/^s3:\/\/[^/]+/, "s3://bucket/prefix URL"))),
  /** Port of the local Extended-protocol server (`serve`). */
  serve_port: v.optional(int(0, 65535), 8765),

  // ---- model (original keys) ----
  risk_aversion_gamma: v.optional(positiveUpTo(1e6), 0.1),
  effective_volume_threshold: v.optional(
    v.union([
      positive(),
      v.pipe(
        v.string(),
        v.regex(/^\d+(\.\d+)?$/, "decimal string"),
        v.transform(Number),
        v.check((x) => x > 0, "positive"),
      ),
    ]),
    1000,
  ),
  calibration_window_seconds: v.optional(int(1, 30 * 86400), 3600),
  recalibration_interval_seconds: v.optional(int(1, 86400), 60),
  inventory_horizon_seconds: v.optional(num(0, 365 * 86400), 1800),
  gamma_min: v.optional(num(0, 1e6), 0.01),
  gamma_max: v.optional(num(0, 1e6), 100),
  gamma_grid_points: v.optional(int(2, 1000), 12),
  gamma_log_spacing: v.optional(v.boolean(), true),
  max_inventory: v.optional(SIZE(), 10),
  tick_size: v.optional(SIZE(), 0.01),
  max_shift_ticks: v.optional(num(0, 1e6), 100),
  gamma_mode: v.optional(v.picklist(["constant", "inventory_scaled", "max_shift"]), "constant"),
  min_spread_bps: v.optional(num(0, 10_000), 0),
  max_spread_bps: v.optional(num(0, 10_000), 200),
  maker_fee_bps: v.optional(FEE_BPS(), 0),
  taker_fee_bps: v.optional(FEE_BPS(), 2.5),
  min_volatility: v.optional(num(0, 10), 0),
  max_volatility: v.optional(num(0, 10), 0.02),

  // ---- model (added) ----
  volatility_model: v.optional(v.picklist(["garch", "realized", "ewma"]), "garch"),
  /** Compatibility: GARCH over the whole run instead of the rolling window (quadratic cost). */
  garch_full_history: v.optional(v.boolean(), false),
  ewma_half_life_seconds: v.optional(positive(), 300),
  min_prices_for_calibration: v.optional(int(2), 10),
  min_trades_per_side: v.optional(int(1), 5),
  /** Compatibility: a failed intensity fit resets to κ=100/A=10 like the original (bug 9.3-16). */
  reset_failed_fits: v.optional(v.boolean(), false),
  /**
   * Calibration data gap: a book-to-book silence longer than this (seconds) is not bridged by
   * flat 1 s resampling, caps the preceding snapshot's exposure, and trades inside it are ignored.
   * `"none"`: no cap (the original).
   */
  calibration_max_gap_seconds: v.optional(v.union([positive(), v.literal("none")]), 60),
  /** Which book a trade's δ is measured against: `strictly_before` (causal) or `original` (ts ≤ trade ts, docs/model.md). */
  trade_book_rule: v.optional(v.picklist(["strictly_before", "original"]), "strictly_before"),

  // ---- backtest (original keys) ----
  fill_cooldown_seconds: v.optional(num(0, 86400), 0),
  quote_validity_seconds: v.optional(num(0, 7 * 86400), 60),
  gap_threshold_seconds: v.optional(num(0, 365 * 86400), 1800),
  warmup_period_seconds: v.optional(num(0, 7 * 86400), 900),
  /** Sweep worker count; absent means one per core. */
  num_threads: v.optional(int(1, 256)),

  // ---- backtest (added) ----
  initial_capital: v.optional(CAPITAL(), 1000),
  order_notional: v.optional(NOTIONAL(), 20),
  requote: v.optional(v.picklist(["every_update", "on_recalibration"]), "every_update"),
  fill_model: v.optional(v.picklist(["cross", "strict", "queue"]), "queue"),
  /** Queue model: `risk_averse` advances only on trades; `power` also on cancels (hftbacktest). */
  queue_model: v.optional(v.picklist(["risk_averse", "power"]), "power"),
  queue_power: v.optional(positiveUpTo(10), 3),
  order_latency_ms: v.optional(num(0, 3_600_000), 50),
  /** Compatibility: order size = notional / trade price and no lot rounding, as the original. */
  original_sizing: v.optional(v.boolean(), false),
  /** Tick and lot from `{data}/{market}/market.json` when present; false = the global tick_size, no lot (the original). */
  use_market_json: v.optional(v.boolean(), true),
  equity_sample_seconds: v.optional(num(0.0001, 86400), 60),
  /**
   * The account: `cross` is a USD-margined perpetuals account (cross margin, this run's one market):
   * initial margin |position| × mark / leverage must stay within equity for every order and fill,
   * liquidation below the maintenance margin. Compatibility: `none` is the original's cash account
   * (buys limited by cash, shorts only by max_inventory, no liquidation).
   */
  margin_model: v.optional(v.picklist(["cross", "none"]), "cross"),
  /** Leverage per market (markets_config overrides), capped by market.json's max_leverage. */
  leverage: v.optional(LEVERAGE(), 5),
  /**
   * Maintenance margin / position notional. Absent: Extended's rule, half the initial margin at the
   * market's maximum leverage (0.5 / max_leverage from market.json; without it 0.5 / leverage,
   * which is never below the exchange's value).
   */
  maintenance_margin_ratio: v.optional(MMR()),
  /** Liquidation fee on the liquidated notional, on top of the taker fee (Extended: 1 %). */
  liquidation_fee_bps: v.optional(num(0, 1000), 100),
  /** After a liquidation: `stop` quoting for the rest of the run, or `continue` from flat. */
  after_liquidation: v.optional(v.picklist(["stop", "continue"]), "stop"),

  markets_config: v.optional(v.record(marketName, MarketOverrides), {}),
});

/** The schema: a `compat` profile first fills the keys the input leaves out, then the object is validated. */
export const ConfigSchema = v.pipe(v.unknown(), v.transform(applyCompatProfile), ConfigObject);

export type Config = v.InferOutput<typeof ConfigObject>;
export type ConfigInput = v.InferInput<typeof ConfigObject>;

/** Keys the schema knows; anything else in a file is warned about (keys starting `_` are comments). */
/** Each key's own schema (a value checked alone, as a command-line override). */
export const CONFIG_ENTRIES = ConfigObject.entries;
export const CONFIG_KEYS: ReadonlySet<string> = new Set(Object.keys(ConfigObject.entries));
