/**
 * Settings under which no order can ever trade must be said, not end in a silent zero-fill run:
 * an order notional below one lot, and a max_inventory below one lot (every fill would be
 * truncated to zero lots).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { withLogLines } from "../support/log_capture.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

async function warningsOf(btc: Record<string, number>, extra: Record<string, number> = {}): Promise<{ warnings: string[]; fills: number }> {
  const config = v.parse(ConfigSchema, { warmup_period_seconds: 120, ...extra, markets_config: { "BTC-USD": { tick_size: 1, lot_size: 0.0001, ...btc } } });
  const { lines, value: out } = await withLogLines(() => runBacktest({
    config, dataDir: "unused", market: "BTC-USD",
    orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet"),
  }), "warn");
  return { warnings: lines, fills: out.summary.total_fills };
}

describe("settings that can never trade are warned about", () => {
  test("max_inventory below one lot", async () => {
    const r = await warningsOf({ max_inventory: 0.00005, order_notional: 100 });
    expect(r.fills).toBe(0);
    expect(r.warnings.some((w) => /max_inventory 0\.00005 is below one lot \(0\.0001\)/.test(w))).toBe(true);
  });
  test("order notional below one lot", async () => {
    const r = await warningsOf({ max_inventory: 0.01, order_notional: 1 });
    expect(r.fills).toBe(0);
    expect(r.warnings.some((w) => /order notional 1 is below one lot/.test(w))).toBe(true);
  });
  test("no such warning for tradeable settings", async () => {
    const r = await warningsOf({ max_inventory: 0.01, order_notional: 100 });
    expect(r.fills).toBeGreaterThan(0);
    expect(r.warnings.filter((w) => /below one lot/.test(w))).toEqual([]);
  });
  test("quotes that expire before they go live (quote_validity_seconds ≤ order latency)", async () => {
    const r = await warningsOf({ max_inventory: 0.01, order_notional: 100 }, { quote_validity_seconds: 0.04, order_latency_ms: 50 });
    expect(r.fills).toBe(0);
    expect(r.warnings.some((w) => /quote_validity_seconds 0\.04 is not longer than order_latency_ms 50/.test(w))).toBe(true);
    const ok = await warningsOf({ max_inventory: 0.01, order_notional: 100 }, { quote_validity_seconds: 0, order_latency_ms: 50 });
    expect(ok.warnings.filter((w) => /quote_validity_seconds/.test(w))).toEqual([]);
  });
  test("a gap threshold below the book interval (every row a gap: warm-up forever)", async () => {
    const r = await warningsOf({ max_inventory: 0.01, order_notional: 100 }, { gap_threshold_seconds: 0.001 });
    expect(r.fills).toBe(0);
    expect(r.warnings.some((w) => /\d+ order-book gap\(s\) longer than gap_threshold_seconds \(0\.001 s\)/.test(w))).toBe(true);
    const ok = await warningsOf({ max_inventory: 0.01, order_notional: 100 });
    expect(ok.warnings.filter((w) => /gap_threshold_seconds/.test(w))).toEqual([]);
  });
});
