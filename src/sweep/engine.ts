/**
 * The sweep's backtest engine. The market data are read once (main thread) and shared with the
 * workers; each worker copies them into its own WASM core once, then every run only resolves its
 * parameters and simulates. Calibration schedules are cached by their calibration settings: the
 * first combination's schedule is built once before the workers start, so a sweep over quoting
 * parameters (γ, T, spreads, fees, latency…) calibrates exactly once; a sweep over a calibration
 * key calibrates once per value and worker.
 */
import { buildSchedule, type CalibratedSchedule } from "../backtest/calibrate.ts";
import { dataQuality, eventSpan, type DataQuality, type EventData } from "../sim/data.ts";
import { loadEventData } from "../backtest/load.ts";
import { readMarketInfo } from "../storage/market_json.ts";
import { summarize, type Summary } from "../backtest/metrics.ts";
import { runParamsFromConfig } from "../sim/params.ts";
import { checkEquitySamples } from "../backtest/stream.ts";
import { resolveMarket } from "../config/market.ts";
import type { Config } from "../config/schema.ts";
import { BacktestCore } from "../sim/core.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import type { SourceSpec } from "../storage/sources.ts";
import type { SweepSource } from "./protocol.ts";
import type { RunMetrics } from "./rank.ts";

/** Sweep metrics from the backtest summary; undefined ratios are NaN (ranked last, blank in CSV). */
function metricsOf(s: Summary): RunMetrics {
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
    liquidations: s.liquidations,
  };
}

/** Loads the market data of a sweep (once, in the main thread), with what was dropped or skipped reading it. */
export async function loadSweepData(source: SweepSource, base: Config): Promise<{ data: EventData; quality: DataQuality }> {
  const market = resolveMarket(base, source.market, readMarketInfo(source.dataDir, source.market));
  const spec: SourceSpec = { dataDir: source.dataDir, market: source.market };
  const explicit = source.orderbook !== undefined || source.trades !== undefined;
  const loaded = await loadEventData({
    books: source.orderbook ?? spec,
    trades: source.trades ?? spec,
    funding: explicit ? null : spec,
    fromMs: source.fromMs,
    toMs: source.toMs,
    skipBadParts: source.skipBadParts,
    levels: base.fill_model === "queue" ? base.max_depth_levels : 0,
    tickSize: market.tickSize,
  });
  return { data: loaded.data, quality: dataQuality(loaded.stats, loaded.skippedParts) };
}

type Typed = Float64Array | Float32Array | Int32Array | Int8Array;

/** The same typed arrays backed by SharedArrayBuffers, so every worker sees them without a copy. */
export function shareArrays<T extends object>(x: T): T {
  const out = { ...x } as Record<string, unknown>;
  for (const [k, v] of Object.entries(x)) {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v.buffer instanceof SharedArrayBuffer)) {
      const a = v as Typed;
      const C = a.constructor as new (b: SharedArrayBuffer) => Typed;
      const copy = new C(new SharedArrayBuffer(a.byteLength));
      copy.set(a as never);
      out[k] = copy;
    }
  }
  return out as T;
}

export const scheduleKey = (config: Config) => JSON.stringify(engineOptionsFromConfig(config));

export class SweepEngine {
  private readonly core = new BacktestCore();

  /** `data` and the initial schedules may be shared (SharedArrayBuffer): nothing here writes to them. */
  constructor(
    private readonly source: SweepSource,
    private readonly data: EventData,
    private readonly schedules = new Map<string, CalibratedSchedule>(),
  ) {
    this.core.prepare(data);
  }

  get events(): number {
    return this.data.nBooks + this.data.nTrades + this.data.nFunding;
  }


  /** The calibration schedule for this config's calibration settings (built once, then cached). */
  schedule(config: Config): CalibratedSchedule {
    const key = scheduleKey(config);
    let schedule = this.schedules.get(key);
    if (!schedule) {
      schedule = buildSchedule(this.data, engineOptionsFromConfig(config));
      this.schedules.set(key, schedule);
    }
    return schedule;
  }

  run(config: Config): RunMetrics {
    const schedule = this.schedule(config);
    const market = resolveMarket(config, this.source.market, readMarketInfo(this.source.dataDir, this.source.market));
    const params = runParamsFromConfig(config, market);
    const { firstTs, lastTs } = eventSpan(this.data);
    checkEquitySamples(lastTs - firstTs, params.sampleMs);
    return metricsOf(summarize(this.core.run(schedule, params), params));
  }
}
