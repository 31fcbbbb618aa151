import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NOT_RESULT_RELEVANT, ORIGINAL_PROFILE, SAME_AS_ORIGINAL } from "../../src/config/compat.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { CONFIG_KEYS } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";

const DOC = readFileSync(join(import.meta.dir, "../../docs/compat.md"), "utf8");

describe('compat: "original"', () => {
  test("every configuration key is classified exactly once (a new key must take a side)", () => {
    const groups = [Object.keys(ORIGINAL_PROFILE), Object.keys(SAME_AS_ORIGINAL), Object.keys(NOT_RESULT_RELEVANT)];
    const seen = new Map<string, number>();
    for (const g of groups) for (const k of g) seen.set(k, (seen.get(k) ?? 0) + 1);
    const unclassified = [...CONFIG_KEYS].filter((k) => !seen.has(k));
    const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    const unknown = [...seen.keys()].filter((k) => !CONFIG_KEYS.has(k));
    expect({ unclassified, twice, unknown }).toEqual({ unclassified: [], twice: [], unknown: [] });
  });

  test("keys said to match the original already do, and profile values really differ from our defaults", () => {
    const d = defaultConfig() as Record<string, unknown>;
    for (const [k, want] of Object.entries(SAME_AS_ORIGINAL)) expect([k, d[k]]).toEqual([k, want]);
    for (const [k, e] of Object.entries(ORIGINAL_PROFILE)) expect([k, d[k]]).not.toEqual([k, e.value]);
  });

  test("the profile sets every value; keys in the file still win", () => {
    const c = parseConfig({ compat: "original" }, "t").config as Record<string, unknown>;
    for (const [k, e] of Object.entries(ORIGINAL_PROFILE)) expect([k, c[k]]).toEqual([k, e.value]);
    const o = parseConfig({ compat: "original", gamma_mode: "constant", calibration_max_gap_seconds: 60 }, "t").config;
    expect(o.gamma_mode).toBe("constant");
    expect(o.calibration_max_gap_seconds).toBe(60);
    expect(o.trade_book_rule).toBe("original");
    expect(parseConfig({}, "t").config.trade_book_rule).toBe("strictly_before");
    expect(() => parseConfig({ compat: "rust" }, "t")).toThrow(/compat/);
  });

  test("the engine and the market resolution follow the profile", () => {
    const c = parseConfig({ compat: "original" }, "t").config;
    const e = engineOptionsFromConfig(c);
    expect([e.tradeBookRule, e.maxGapMs, e.garchFullHistory, e.resetFailedFits, e.exposureMode]).toEqual(["original", Infinity, true, true, "exact"]);
    const info = { name: "BTC-USD", tick_size: 0.1, lot_size: 0.001 };
    expect(resolveMarket(c, "BTC-USD", info).tickSize).toBe(0.01); // the original's global tick
    expect(resolveMarket(c, "BTC-USD", info).lotSize).toBe(0);
    expect(resolveMarket(defaultConfig(), "BTC-USD", info).tickSize).toBe(0.1);
  });

  test("docs/compat.md lists every profile key", () => {
    for (const k of Object.keys(ORIGINAL_PROFILE)) expect([k, DOC.includes(`\`${k}\``)]).toEqual([k, true]);
  });
});
