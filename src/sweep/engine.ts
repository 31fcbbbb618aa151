/**
 * One worker's backtest engine: market data loaded and copied into the WASM core once; each run
 * then only resolves its parameters and simulates. Calibration schedules are cached by their
 * calibration settings, so a sweep over quoting parameters (γ, T, spreads, fees, latency…)
 * calibrates once per worker, and a sweep over a calibration key calibrates once per value.
 */
import { buildSchedule, type CalibratedSchedule } from "../backtest/calibrate.ts";
import type { EventData } from "../backtest/data.ts";
import { loadEventData, readMarketInfo } from "../backtest/load.ts";
import { summarize, type Summary } from "../backtest/metrics.ts";
import { runParamsFromConfig } from "../backtest/params.ts";
import { resolveMarket } from "../config/market.ts";
import type { Config } from "../config/schema.ts";
import { BacktestCore } from "../core/backtest.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import type { SourceSpec } from "../storage/sources.ts";
import type { SweepSource } from "./protocol.ts";
import type { RunMetrics } from "./rank.ts";

/** Sweep metrics from the backtest summary; undefined ratios are NaN (ranked last, blank in CSV). */
export function metricsOf(s: Summary): RunMetrics {
  return {
    pnl: s.final_pnl,
    return_pct: s.return_pct,
    sharpe: s.sharpe ?? NaN,
    sortino: s.sortino ?? NaN,
    max_drawdown: s.max_drawdown,
    max_drawdown_pct: s.max_drawdown_pct,
    // return per unit of worst drawdown (Calmar-like, not annualised); undefined without a drawdown
    return_over_drawdown: s.max_drawdown_pct > 0 ? s.return_pct / s.max_drawdown_pct : NaN,
    fills: s.total_fills,
    bid_fills: s.bid_fills,
    ask_fills: s.ask_fills,
    volume: s.volume,
    notional: s.notional,
    fees: s.fees_total,
    spread_capture: s.spread_capture,
    inventory_pnl: s.inventory_pnl,
    final_inventory: s.inventory_before_close,
    quote_uptime_pct: s.quote_uptime_pct,
  };
}

export class SweepEngine {
  private readonly schedules = new Map<string, CalibratedSchedule>();

  private constructor(
    private readonly source: SweepSource,
    private readonly data: EventData,
    private readonly core: BacktestCore,
  ) {}

  static async load(source: SweepSource, base: Config): Promise<SweepEngine> {
    const market = resolveMarket(base, source.market, readMarketInfo(source.dataDir, source.market));
    const spec: SourceSpec = { dataDir: source.dataDir, market: source.market };
    const explicit = source.orderbook !== undefined || source.trades !== undefined;
    const loaded = await loadEventData({
      books: source.orderbook ?? spec,
      trades: source.trades ?? spec,
      funding: explicit ? null : spec,
      fromMs: source.fromMs,
      toMs: source.toMs,
      levels: base.fill_model === "queue" ? base.max_depth_levels : 0,
      tickSize: market.tickSize,
    });
    const core = new BacktestCore();
    core.prepare(loaded.data);
    return new SweepEngine(source, loaded.data, core);
  }

  get events(): number {
    return this.data.nBooks + this.data.nTrades + this.data.nFunding;
  }

  run(config: Config): RunMetrics {
    const opts = engineOptionsFromConfig(config);
    const key = JSON.stringify(opts);
    let schedule = this.schedules.get(key);
    if (!schedule) {
      schedule = buildSchedule(this.data, opts);
      this.schedules.set(key, schedule);
    }
    const market = resolveMarket(config, this.source.market, readMarketInfo(this.source.dataDir, this.source.market));
    const params = runParamsFromConfig(config, market);
    return metricsOf(summarize(this.core.run(schedule, params), params));
  }
}
