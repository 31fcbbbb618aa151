import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, loadConfig, parseConfig } from "../../src/config/load.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigError } from "../../src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-config-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("config", () => {
  test("a missing file gives the documented defaults", () => {
    const { config, path } = loadConfig(join(dir, "absent.json"));
    expect(path).toBeNull();
    expect(config.max_depth_levels).toBe(20);
    expect(config.orderbook_rows_per_part).toBe(25_000);
    expect(config.trades_rows_per_part).toBe(50_000);
    expect(config.gamma_mode).toBe("constant");
    expect(config.markets).toEqual(["BTC-USD", "ETH-USD", "SOL-USD"]);
  });

  test("an explicitly named missing file is an error", () => {
    expect(() => loadConfig(join(dir, "absent.json"), { required: true })).toThrow(/config file not found/);
  });

  test("the shipped config.json is valid", () => {
    const { config, unknownKeys } = loadConfig(join(import.meta.dir, "../../config.json"));
    expect(unknownKeys).toEqual([]);
    expect(config.markets_config["ETH-USD"]?.tick_size).toBe(0.1);
  });

  test("the original's shipped config.json loads, its comment key ignored", () => {
    const original = `{"markets":["BTC-USD","ETH-USD","SOL-USD"],"data_directory":"data","collect_orderbook":true,"collect_trades":true,"collect_full_orderbook":true,"max_depth_levels":20,"inventory_horizon_seconds":14400,"risk_aversion_gamma":10.0,"gamma_min":0.01,"gamma_max":100.0,"gamma_grid_points":12,"gamma_log_spacing":false,"min_spread_bps":0.0,"max_spread_bps":200.0,"fill_cooldown_seconds":60,"maker_fee_bps":1.5,"taker_fee_bps":4.5,"gap_threshold_seconds":1800,"warmup_period_seconds":900,"_comment_num_threads":"x","num_threads":8}`;
    const { config, unknownKeys } = loadConfig(file("orig.json", original));
    expect(unknownKeys).toEqual([]);
    expect(config.risk_aversion_gamma).toBe(10);
    expect(config.inventory_horizon_seconds).toBe(14400);
    expect(config.num_threads).toBe(8);
  });

  test.each([
    [`{"risk_aversion_gamma":"abc"}`, /risk_aversion_gamma: expected number, got "abc"/],
    [`{"max_depth_levels":2.5}`, /max_depth_levels: expected integer, got 2.5/],
    [`{"max_depth_levels":0}`, /max_depth_levels: expected >=1, got 0/],
    [`{"gamma_mode":"fancy"}`, /gamma_mode: expected \("constant" \| "inventory_scaled" \| "max_shift"\), got "fancy"/],
    [`{"markets":["BTC-USD","../etc"]}`, /markets\.1: expected .*market name/],
    [`{"markets":["BTC-USD","ETH-USD","BTC-USD"]}`, /markets: "BTC-USD" is listed twice; list each market once/],
    [`{"markets":["BTC-USD","btc-usd"]}`, /markets: "BTC-USD" and "btc-usd" name the same market \(directory btc_usd\)/],
    [`{"markets":["NVDA_24_5-USD","nvda-24-5-usd"]}`, /markets: "NVDA_24_5-USD" and "nvda-24-5-usd" name the same market/],
    [`{"markets_config":{"BTC-USD":{"tick_size":-1}}}`, /markets_config\.BTC-USD\.tick_size: expected >0, got -1/],
    [`{"gamma_min":5,"gamma_max":1}`, /gamma_min: expected a value ≤ gamma_max/],
    [`{"ws_base":"http://x"}`, /ws_base: expected ws:\/\/ or wss:\/\/ URL/],
    [`{"orderbook_rows_per_part":1000000}`, /orderbook_rows_per_part: expected <=100000, got 1000000/],
    [`[1,2]`, /expected a JSON object/],
    [`{"risk_aversion_gamma": 0.1,}`, /invalid JSON/],
  ])("invalid %s fails naming the key", (text, message) => {
    const p = file("bad.json", text);
    let err: unknown;
    try {
      loadConfig(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toStartWith(p);
    expect((err as Error).message).toMatch(message);
  });

  test("unknown keys are reported, comment keys are not", () => {
    const { unknownKeys } = parseConfig({ colour: 1, _comment: "x", markets_config: { "BTC-USD": { tickk: 1 } } }, "t");
    expect(unknownKeys).toEqual(["colour", "markets_config.BTC-USD.tickk"]);
  });

  test("effective_volume_threshold accepts a decimal string like the original", () => {
    expect(defaultConfig({ effective_volume_threshold: "2500.5" }).effective_volume_threshold).toBe(2500.5);
  });

  test("per-market overrides win over market.json, which wins over globals", () => {
    const config = defaultConfig({ tick_size: 0.01, markets_config: { "BTC-USD": { max_inventory: 0.5 } } });
    const p = resolveMarket(config, "BTC-USD", { name: "BTC-USD", tick_size: 1, lot_size: 0.0001 });
    expect(p).toMatchObject({ tickSize: 1, lotSize: 0.0001, maxInventory: 0.5, orderNotional: 20 });
    expect(resolveMarket(config, "ETH-USD").tickSize).toBe(0.01);
    const forced = defaultConfig({ markets_config: { "BTC-USD": { tick_size: 0.5 } } });
    expect(resolveMarket(forced, "BTC-USD", { name: "BTC-USD", tick_size: 1 }).tickSize).toBe(0.5);
  });

  test("leverage is capped by market.json's max_leverage; maintenance defaults to half the initial margin at that maximum", () => {
    const config = defaultConfig({ leverage: 20, markets_config: { "ETH-USD": { leverage: 3, maintenance_margin_ratio: 0.02 } } });
    // Extended's rule: maintenance = 50 % of the initial margin at the market's maximum leverage
    expect(resolveMarket(config, "BTC-USD", { name: "BTC-USD", max_leverage: 50 })).toMatchObject({ leverage: 20, maintenanceMarginRatio: 0.01 });
    expect(resolveMarket(config, "SOL-USD", { name: "SOL-USD", max_leverage: 10 })).toMatchObject({ leverage: 10, maintenanceMarginRatio: 0.05 });
    // maximum unknown: half the initial margin at the leverage used, never below the exchange's value
    expect(resolveMarket(config, "XRP-USD")).toMatchObject({ leverage: 20, maintenanceMarginRatio: 0.025 });
    expect(resolveMarket(config, "ETH-USD", { name: "ETH-USD", max_leverage: 50 })).toMatchObject({ leverage: 3, maintenanceMarginRatio: 0.02 });
    expect(defaultConfig({}).leverage).toBe(5);
  });
});
