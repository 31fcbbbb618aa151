/**
 * `compat: "original"`: one key that makes a run reproduce the original system (docs/compat.md).
 * It sets every key whose default here differs from the original code's behaviour — the
 * compatibility switches and the original's code defaults (`ASConfig::default()`, original.md §2)
 * — as if written in the file; keys the file sets itself still win. So the original's own
 * config.json plus this one key gives the original's run.
 *
 * Every configuration key is classified below, exactly once (test/config/compat.test.ts fails
 * otherwise): in the profile, equal to the original's default already, or unable to change a
 * backtest or calculate_spread result. A key added to the schema without a place here fails that
 * test, so the profile cannot silently fall behind.
 */

export interface ProfileEntry {
  value: unknown;
  /** Why the original needs this value (docs/compat.md lists it). */
  why: string;
}

export const ORIGINAL_PROFILE: Readonly<Record<string, ProfileEntry>> = {
  // ---- calibration
  trade_book_rule: { value: "original", why: "a trade is measured against the last book with ts ≤ its own (a same-millisecond book that the merge puts after it), or the window's first book when its own has left the window (§4.4 step 2, 9.3-14)" },
  calibration_max_gap_seconds: { value: "none", why: "no gap cap: a book before an outage is exposed for the whole outage and trades inside it count (9.3-13)" },
  garch_full_history: { value: true, why: "GARCH on every mid since the start, flat-filled across gaps, full grid at every calibration, exposures summed point by point (§4.3, 9.3-12)" },
  reset_failed_fits: { value: true, why: "a failed κ/A fit resets to κ = 100, A = 10 (one-sided: copies the other side) instead of keeping the last fit (9.3-16)" },
  // ---- backtest
  requote: { value: "on_recalibration", why: "quotes change only at recalibrations (§6.2, 9.5-22)" },
  fill_model: { value: "cross", why: "any trade at or through the quote fills the whole order, which is not consumed (§6.3)" },
  order_latency_ms: { value: 0, why: "quotes are live at once (§6.2)" },
  original_sizing: { value: true, why: "size = notional / trade price at fill time, no lot rounding (§6.3)" },
  margin_model: { value: "none", why: "a cash account: buys limited by cash, shorts only by max_inventory, no margin and no liquidation (§6.1, 9.5)" },
  use_market_json: { value: false, why: "the tick is the global tick_size; the original never read the exchange's tick or lot (§2)" },
  // ---- the original's code defaults where ours differ (README "Defaults that differ")
  risk_aversion_gamma: { value: 0.5, why: "ASConfig default" },
  gamma_mode: { value: "inventory_scaled", why: "ASConfig default" },
  gamma_min: { value: 0.1, why: "ASConfig default" },
  gamma_max: { value: 5, why: "ASConfig default" },
  gamma_grid_points: { value: 5, why: "ASConfig default (γ sweeps)" },
  gamma_log_spacing: { value: false, why: "ASConfig default (γ sweeps)" },
  inventory_horizon_seconds: { value: 60, why: "ASConfig default" },
  min_spread_bps: { value: 2, why: "ASConfig default" },
  max_spread_bps: { value: 100, why: "ASConfig default" },
  maker_fee_bps: { value: 1, why: "ASConfig default" },
  taker_fee_bps: { value: 5, why: "ASConfig default" },
};

/** Keys whose default here is already the original's (the test checks each value against the schema). */
export const SAME_AS_ORIGINAL: Readonly<Record<string, unknown>> = {
  effective_volume_threshold: 1000,
  calibration_window_seconds: 3600,
  recalibration_interval_seconds: 60,
  max_inventory: 10,
  tick_size: 0.01,
  max_shift_ticks: 100,
  min_volatility: 0,
  max_volatility: 0.02,
  volatility_model: "garch",
  min_prices_for_calibration: 10,
  min_trades_per_side: 5,
  fill_cooldown_seconds: 0,
  quote_validity_seconds: 60,
  gap_threshold_seconds: 1800,
  warmup_period_seconds: 900,
  initial_capital: 1000,
  order_notional: 20,
  markets_config: {},
};

/** Keys that cannot change a backtest or calculate_spread result, with why. */
export const NOT_RESULT_RELEVANT: Readonly<Record<string, string>> = {
  compat: "the profile switch itself",
  markets: "collection (and the default --market)",
  data_directory: "where data lives",
  collect_orderbook: "collection", collect_trades: "collection", collect_full_orderbook: "collection",
  max_depth_levels: "collection (the backtest uses the levels stored)",
  network: "collection", ws_base: "collection", rest_base: "collection", user_agent: "collection",
  orderbook_rows_per_part: "collection", trades_rows_per_part: "collection",
  orderbook_min_interval_ms: "collection", idle_timeout_seconds: "collection",
  reconnect_max_backoff_seconds: "collection", gap_log_threshold_ms: "collection",
  collect_funding: "collection", journal_flush_ms: "collection", part_roll_seconds: "collection",
  health_log_seconds: "collection", upload_to: "collection", serve_port: "local server",
  num_threads: "sweep worker count",
  ewma_half_life_seconds: "only read by volatility_model ewma, which the original lacks",
  queue_model: "only read by fill_model queue", queue_power: "only read by fill_model queue",
  equity_sample_seconds: "output sampling (added metrics)",
  leverage: "only read by margin_model cross, which the original lacks",
  maintenance_margin_ratio: "only read by margin_model cross, which the original lacks",
  liquidation_fee_bps: "only read by margin_model cross, which the original lacks",
  after_liquidation: "only read by margin_model cross, which the original lacks",
};

export const COMPAT_PROFILES = ["none", "original"] as const;

/**
 * The raw config with the profile's values filled in for keys it does not set itself
 * (anything that is not an object with `compat: "original"` is returned unchanged).
 */
export function applyCompatProfile(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  if ((raw as Record<string, unknown>).compat !== "original") return raw;
  const base: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(ORIGINAL_PROFILE)) base[k] = e.value;
  return { ...base, ...raw };
}
