/**
 * A swept key that markets_config also sets for the market (max_inventory, order_notional,
 * maker/taker fee) must take the swept value: resolveMarket prefers markets_config[market] over
 * the global key, so the sweep used to change nothing and printed identical rows for every value.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ConfigSchema } from "../../src/config/schema.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { main } from "../../src/main.ts";
import { applyCombo, combinations, parseParam, sweepBaseConfig } from "../../src/sweep/grid.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");
const overrides = { tick_size: 1, lot_size: 0.0001, max_inventory: 0.01, order_notional: 100, maker_fee_bps: 0, taker_fee_bps: 2.5 };

describe("sweep over per-market keys", () => {
  test("the swept value wins over markets_config for the swept market only", () => {
    const base = v.parse(ConfigSchema, { markets_config: { "BTC-USD": overrides, "ETH-USD": { max_inventory: 3 } } });
    const ps = [parseParam("max_inventory=0.002,0.05"), parseParam("maker_fee_bps=-1,1"), parseParam("order_notional=50,200"), parseParam("taker_fee_bps=1,5")];
    const b = sweepBaseConfig(base, "BTC-USD", ps);
    for (const combo of combinations(ps)) {
      const m = resolveMarket(applyCombo(b, ps, combo), "BTC-USD");
      expect([m.maxInventory, m.makerFeeBps, m.orderNotional, m.takerFeeBps]).toEqual(combo);
      expect(m.tickSize).toBe(1);
      expect(m.lotSize).toBe(0.0001);
    }
    expect(resolveMarket(applyCombo(b, ps, [0.002, 1, 50, 1]), "ETH-USD").maxInventory).toBe(3);
    // the caller's config is not modified
    expect(base.markets_config["BTC-USD"]!.max_inventory).toBe(0.01);
  });

  test("command: sweeping max_inventory changes the runs although markets_config sets it", async () => {
    const out = mkdtempSync(join(tmpdir(), "emm-sweep-mkt-"));
    const cfg = join(out, "config.json");
    await Bun.write(cfg, JSON.stringify({
      warmup_period_seconds: 120, calibration_window_seconds: 300, recalibration_interval_seconds: 30,
      markets_config: { "BTC-USD": overrides },
    }));
    const orig = console.log;
    console.log = () => {};
    let code: number;
    try {
      code = await main(["sweep", "--config", cfg, "--log-level", "silent", "--market", "BTC-USD",
        "--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet"),
        "--param", "max_inventory=0.0001,0.01", "--threads", "1", "--out", out]);
    } finally {
      console.log = orig;
    }
    expect(code).toBe(0);
    const rows = readFileSync(join(out, "sweep_results.csv"), "utf8").trim().split("\n");
    const header = rows[0]!.split(",");
    const cell = (r: number, k: string) => rows[r]!.split(",")[header.indexOf(k)];
    expect(Number(cell(1, "fills"))).toBeGreaterThan(0);
    // at most one lot of inventory: fewer fills than with 100 lots allowed
    expect(Number(cell(1, "fills"))).not.toBe(Number(cell(2, "fills")));
    expect(Math.abs(Number(cell(1, "final_inventory")))).toBeLessThanOrEqual(0.0001 + 1e-12);
  });
});
