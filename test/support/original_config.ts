/** The original's shipped config.json (docs/original.md §2), verbatim. */
export const ORIGINAL_CONFIG_JSON: Record<string, unknown> = {
  markets: ["BTC-USD", "ETH-USD", "SOL-USD"], data_directory: "data", collect_orderbook: true, collect_trades: true,
  collect_full_orderbook: true, max_depth_levels: 20, inventory_horizon_seconds: 14400, risk_aversion_gamma: 10.0,
  gamma_min: 0.01, gamma_max: 100.0, gamma_grid_points: 12, gamma_log_spacing: false, min_spread_bps: 0.0,
  max_spread_bps: 200.0, fill_cooldown_seconds: 60, maker_fee_bps: 1.5, taker_fee_bps: 4.5, gap_threshold_seconds: 1800,
  warmup_period_seconds: 900, _comment_num_threads: "…", num_threads: 8,
};
