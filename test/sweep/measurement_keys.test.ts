/**
 * equity_sample_seconds is how Sharpe/Sortino are measured, not a strategy parameter: the same run
 * has Sharpe 23.5 at 60 s samples and 32.5 at 7 s on the real sample, so ranking a sweep over it
 * by Sharpe ranks measurement grids, not strategies. And the sweep must state the interval its
 * Sharpe/Sortino come from, as the backtest does.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ConfigSchema } from "../../src/config/schema.ts";
import { main } from "../../src/main.ts";
import { parseParam, validateParams } from "../../src/sweep/grid.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");

describe("sweep and the equity sampling interval", () => {
  test("equity_sample_seconds is not sweepable", () => {
    const base = v.parse(ConfigSchema, {});
    expect(() => validateParams(base, [parseParam("equity_sample_seconds=7,60")])).toThrow(/equity_sample_seconds is not a numeric strategy key/);
  });
  test("the text and --json outputs state the interval of Sharpe/Sortino", async () => {
    const out = mkdtempSync(join(tmpdir(), "emm-sweep-iv-"));
    const cfg = join(out, "config.json");
    await Bun.write(cfg, JSON.stringify({ warmup_period_seconds: 120, calibration_window_seconds: 300, recalibration_interval_seconds: 30, equity_sample_seconds: 30 }));
    const args = ["sweep", "--config", cfg, "--log-level", "silent", "--market", "BTC-USD", "--orderbook", join(SAMPLE, "orderbook.parquet"),
      "--trades", join(SAMPLE, "trades.parquet"), "--param", "risk_aversion_gamma=0.1,1", "--threads", "1", "--out", out];
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    try {
      expect(await main(args)).toBe(0);
      expect(lines.join("\n")).toMatch(/annualised from equity sampled every 30 s/);
      lines.length = 0;
      expect(await main([...args, "--json"])).toBe(0);
    } finally {
      console.log = orig;
    }
    expect(JSON.parse(lines.join("\n")).sample_seconds).toBe(30);
  });
});
