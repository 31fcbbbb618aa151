import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import { EventDataBuilder } from "../../src/sim/data.ts";
import { S } from "../../src/sim/layout.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { runReferenceResult } from "../../src/sim/run_reference.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { BacktestCore } from "../../src/sim/core.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { a4Market } from "./a4_market.ts";
import { resultsCsv } from "../../src/report/csv.ts";
import { ORIGINAL_CONFIG_JSON } from "../support/original_config.ts";

/** The original's settings: its shipped config.json plus the one key `compat: "original"`. */
export function originalConfig(over: Record<string, unknown> = {}) {
  return v.parse(ConfigSchema, { ...ORIGINAL_CONFIG_JSON, compat: "original", ...over });
}

// Appendix A.4, "Full backtests": final equity, bid fills, ask fills, volume (units), notional ($).
const GOLDEN = [
  { name: "cfg (inventory_scaled)", gap: false, over: {}, equity: 999.7794917495, bid: 61, ask: 70, volume: 0.933578882429, notional: 2799.6262687162 },
  { name: "cfg+const (γ=10)", gap: false, over: { gamma_mode: "constant", gamma_min: 10, gamma_max: 10 }, equity: 999.8801531745, bid: 62, ask: 66, volume: 0.880211749348, notional: 2639.559623502 },
  { name: "cfg, gap variant", gap: true, over: {}, equity: 999.7568557641, bid: 49, ask: 58, volume: 0.773543306867, notional: 2319.7380509432 },
];

// Full-history GARCH (the original's quadratic calibration) takes 2–7 s per schedule on a busy
// machine: schedules are computed once per variant and the tests get generous timeouts.
const schedules = new Map<string, { d: ReturnType<EventDataBuilder["build"]>; sched: ReturnType<typeof buildSchedule> }>();
function prepared(gap: boolean, over: Record<string, unknown>) {
  const key = JSON.stringify([gap, over]);
  let v = schedules.get(key);
  if (!v) {
    const { books, trades } = a4Market({ gap });
    const b = new EventDataBuilder(0, 0.01);
    b.addBooks(books);
    b.addTrades(trades);
    const d = b.build();
    v = { d, sched: buildSchedule(d, engineOptionsFromConfig(originalConfig(over))) };
    schedules.set(key, v);
  }
  return v;
}

describe("Appendix A.4 full backtests with the original's settings", () => {
  for (const g of GOLDEN) {
    test(g.name, () => {
      const config = originalConfig(g.over);
      const { d, sched } = prepared(g.gap, g.over);
      expect(sched.n).toBe(120);
      expect(sched.ts[0]).toBe(1700000009000);
      const p = runParamsFromConfig(config, resolveMarket(config, "SYN-USD"));
      const core = new BacktestCore();
      core.prepare(d);
      for (const r of [core.run(sched, p), runReferenceResult(d, sched, p)]) {
        const sc = r.scalars;
        expect(Math.abs(sc[S.finalEquity]! - g.equity)).toBeLessThan(1e-8);
        expect(sc[S.bidFills]).toBe(g.bid);
        expect(sc[S.askFills]).toBe(g.ask);
        // the original's totals include the closing trade
        expect(sc[S.volume]! + Math.abs(sc[S.closeQty]!)).toBeCloseTo(g.volume, 11);
        expect(sc[S.notional]! + sc[S.closeNotional]!).toBeCloseTo(g.notional, 9);
        expect(r.rows.mid.length).toBe(120);
      }
    }, 60_000);
  }

  test("first two per-calibration rows match the original's CSV", () => {
    const config = originalConfig();
    const { d, sched } = prepared(false, {});
    const core = new BacktestCore();
    core.prepare(d);
    const r = core.run(sched, runParamsFromConfig(config, resolveMarket(config, "SYN-USD")));
    // `1700000009000,…,2999.8,0.000000,1000,1000,200.01,2969.80,3029.80,0,0,0.010000,100.00,…`
    expect(r.rows.mid[0]).toBe(2999.8);
    expect(r.rows.bid[0]).toBe(2969.8);
    expect(r.rows.ask[0]).toBe(3029.8);
    expect(((r.rows.spread[0]! / r.rows.mid[0]!) * 1e4).toFixed(2)).toBe("200.01");
    // `1700000069000,…,2999.0,…,3.00,2998.55,2999.45,0,0,0.010000,22589.04,15056.32,…`
    expect(r.rows.bid[1]).toBe(2998.55);
    expect(r.rows.ask[1]).toBe(2999.45);
    expect(sched.kappaBid[1]!.toFixed(2)).toBe("22589.04");
    // last row: `1700007149000,…,2999.250,-0.053201,1159.48862404156…,999.92617776210…,3.00,2998.80,2999.70,61,69,0.139197,…`
    const k = 119;
    expect(sched.ts[k]).toBe(1700007149000);
    expect(r.rows.inventory[k]!.toFixed(6)).toBe("-0.053201");
    expect(Math.abs(r.rows.cash[k]! - 1159.4886240415604)).toBeLessThan(1e-8);
    expect(r.rows.bid[k]).toBe(2998.8);
    expect(r.rows.ask[k]).toBe(2999.7);
    expect(r.rows.bidFills[k]).toBe(61);
    expect(r.rows.askFills[k]).toBe(69);
    expect(r.rows.gamma[k]!.toFixed(6)).toBe("0.139197");
  }, 60_000);

  test("backtest_results.csv rows equal the original's sample lines field by field", () => {
    const config = originalConfig();
    const { d, sched } = prepared(false, {});
    const core = new BacktestCore();
    core.prepare(d);
    const r = core.run(sched, runParamsFromConfig(config, resolveMarket(config, "SYN-USD")));
    const csv = resultsCsv(r, sched, 1000).trim().split("\n");
    expect(csv.length).toBe(121);
    const ORIGINAL = [
      "1700000009000,2023-11-14 22:13:29.000 UTC,2999.8,0.000000,1000,1000,200.01,2969.80,3029.80,0,0,0.010000,100.00,100.00,10.00,10.00",
      "1700000069000,2023-11-14 22:14:29.000 UTC,2999.0,0.000000,1000,1000,3.00,2998.55,2999.45,0,0,0.010000,22589.04,15056.32,10158.20,5353.85",
      "1700003369000,2023-11-14 23:09:29.000 UTC,2998.050,-0.026609,1079.8095299654015623970094806,1000.0347919610813570205370285,3.00,2997.60,2998.50,22,26,0.068475,19804.51,19083.74,8186.14,7456.51",
      "1700007149000,2023-11-15 00:12:29.000 UTC,2999.250,-0.053201,1159.4886240415603815853167416,999.9261777621085038213435540,3.00,2998.80,2999.70,61,69,0.139197,19495.11,18256.85,7705.08,7182.21",
    ];
    for (const line of ORIGINAL) {
      const want = line.split(",");
      const row = csv.find((l) => l.startsWith(`${want[0]},`));
      expect(row).toBeDefined();
      const got = row!.split(",");
      expect(got[1]).toBe(want[1]); // datetime text
      for (const k of [3, 6, 11]) expect(got[k]).toBe(want[k]); // inventory, spread_bps, gamma: same decimals
      for (const k of [2, 7, 8, 9, 10]) expect(Number(got[k])).toBe(Number(want[k])); // mid, prices, fill counts
      for (const k of [4, 5]) expect(Math.abs(Number(got[k]) - Number(want[k]))).toBeLessThan(1e-8); // cash, equity
      // κ/A to the original's 2 decimals (σ and κ agree to ~1e-9 relative, Appendix A)
      for (const k of [12, 13, 14, 15]) expect(Math.abs(Number(got[k]) - Number(want[k]))).toBeLessThanOrEqual(0.01 + 1e-6); // one unit of the last decimal at a rounding boundary
    }
  }, 60_000);
});
