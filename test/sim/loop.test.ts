import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import type { EventData } from "../../src/sim/data.ts";
import { loadEventData } from "../../src/backtest/load.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { runReferenceResult } from "../../src/sim/run_reference.ts";
import type { Schedule } from "../../src/sim/schedule.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { BacktestCore } from "../../src/sim/core.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { expectSame } from "../backtest/expect_same.ts";
import { synData, synOffGrid } from "../backtest/synthetic.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

function cfg(over: Record<string, unknown>) {
  return v.parse(ConfigSchema, { tick_size: 0.1, max_inventory: 5, order_notional: 3000, warmup_period_seconds: 60, ...over });
}

const VARIANTS: Record<string, unknown>[] = [
  { fill_model: "cross", requote: "every_update" },
  { fill_model: "cross", requote: "on_recalibration", order_latency_ms: 0, original_sizing: true, fill_cooldown_seconds: 60 },
  { fill_model: "strict", requote: "every_update", order_latency_ms: 250 },
  { fill_model: "queue", queue_model: "risk_averse", requote: "every_update" },
  { fill_model: "queue", queue_model: "power", queue_power: 2, requote: "every_update", order_latency_ms: 0 },
  { fill_model: "queue", queue_model: "power", queue_power: 2.5, requote: "every_update" },
  { fill_model: "queue", queue_model: "power", queue_power: 1, requote: "every_update" },
  { fill_model: "queue", queue_model: "power", queue_power: 4, requote: "every_update", order_latency_ms: 0 },
  { fill_model: "queue", queue_model: "power", requote: "on_recalibration", quote_validity_seconds: 5, maker_fee_bps: -0.5 },
  { fill_model: "queue", requote: "every_update", fill_cooldown_seconds: 2, max_inventory: 0.3, gamma_mode: "max_shift" },
  { fill_model: "cross", requote: "every_update", initial_capital: 50, quote_validity_seconds: 0, gamma_mode: "inventory_scaled" },
];

function both(d: EventData, s: Schedule, p: ReturnType<typeof runParamsFromConfig>, core: BacktestCore) {
  return { w: core.run(s, p), r: runReferenceResult(d, s, p) };
}

// loop.ts pair (and every policy together): the event merge (funding, trade, book on equal
// milliseconds), the schedule, warm-up and gaps, quoting — the whole WASM core vs the TS reference.
describe("loop: WASM loop.ts vs reference/loop.ts, every policy together", () => {
  for (const seed of [1, 2, 3]) {
    test(`synthetic market seed ${seed} (gap, funding, locked rows, same-ms trades), ${VARIANTS.length} configurations`, () => {
      const d = synData({ seed, books: 3000, gap: seed === 2 });
      const core = new BacktestCore();
      core.prepare(d);
      let fills = 0;
      for (const over of VARIANTS) {
        const c = cfg({ ...over, calibration_window_seconds: 600, recalibration_interval_seconds: 30, markets_config: { SYN: { lot_size: seed === 3 ? 0.01 : undefined } } });
        const s = buildSchedule(d, engineOptionsFromConfig(c));
        const p = runParamsFromConfig(c, resolveMarket(c, "SYN"));
        const { w, r } = both(d, s, p, core);
        expectSame(w, r);
        fills += w.fills.ts.length;
      }
      expect(fills).toBeGreaterThan(50); // the comparison is not vacuous
    }, 60_000);
  }

  test("market tick coarser than the book grid: off-grid levels in the queue scans", () => {
    // book on a 0.1 grid, quotes on a 0.5 tick: four levels in five are between two of our ticks
    const d = synOffGrid(4, 0.5);
    let offGrid = 0;
    for (let i = 0; i < d.bidTk.length; i++) if (d.bidTk[i]! < -1) offGrid++;
    expect(offGrid).toBeGreaterThan(d.bidTk.length / 2);
    const core = new BacktestCore();
    core.prepare(d);
    let fills = 0;
    for (const over of VARIANTS.filter((x) => x.fill_model === "queue")) {
      const c = cfg({ ...over, tick_size: 0.5, calibration_window_seconds: 600, recalibration_interval_seconds: 30 });
      const s = buildSchedule(d, engineOptionsFromConfig(c));
      const p = runParamsFromConfig(c, resolveMarket(c, "SYN"));
      const { w, r } = both(d, s, p, core);
      expectSame(w, r);
      fills += w.fills.ts.length;
    }
    expect(fills).toBeGreaterThan(50);
  }, 60_000);

  test("real sample standx-btc-usd-2h, every fill model × requote mode", async () => {
    const L = await loadEventData({ books: join(SAMPLE, "orderbook.parquet"), trades: join(SAMPLE, "trades.parquet"), funding: null, levels: 20, tickSize: 0.1 });
    const core = new BacktestCore();
    core.prepare(L.data);
    const base = cfg({ max_inventory: 0.01, order_notional: 100, warmup_period_seconds: 900 });
    const s = buildSchedule(L.data, engineOptionsFromConfig(base));
    for (const fill_model of ["cross", "strict", "queue"]) {
      for (const requote of ["every_update", "on_recalibration"]) {
        const c = cfg({ fill_model, requote, max_inventory: 0.01, order_notional: 100, warmup_period_seconds: 900 });
        const p = runParamsFromConfig(c, resolveMarket(c, "BTC-USD"));
        const { w, r } = both(L.data, s, p, core);
        expectSame(w, r);
        expect(w.fills.ts.length).toBeGreaterThan(10);
      }
    }
  }, 60_000);
});
