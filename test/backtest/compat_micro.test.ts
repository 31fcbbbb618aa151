import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import { resultsCsv } from "../../src/report/csv.ts";
import { ORIGINAL_CONFIG_JSON } from "../support/original_config.ts";

/**
 * test/fixtures/compat-micro: 61 s of legacy CSV in which every trade prints in the same
 * millisecond as a book that has already moved through its price, and the original binary's own
 * backtest_results.csv on it (see the fixture's README). With `compat: "original"` added to the
 * original's config.json, every column of every row must be the original's.
 */
const DIR = join(import.meta.dir, "../fixtures/compat-micro");

async function run(extra: Record<string, unknown>) {
  const { config } = parseConfig({ ...ORIGINAL_CONFIG_JSON, ...extra }, "original config.json");
  const o = await runBacktest({
    config, dataDir: "/nonexistent", market: "BTC-USD", capital: 1000, notional: 20,
    orderbookPath: join(DIR, "orderbook_depth.csv"), tradesPath: join(DIR, "trades.csv"),
  });
  const rows = resultsCsv(o.result, o.schedule, 1000).trim().split("\n").slice(1).map((l) => l.split(","));
  return { o, rows };
}

describe("compat-micro: the original's own output", () => {
  test('compat: "original" reproduces every CSV row of the original binary', async () => {
    const want = readFileSync(join(DIR, "original_backtest_results.csv"), "utf8").trim().split("\n");
    const header = want[0]!.split(",");
    const { o, rows } = await run({ compat: "original" });
    expect(rows.length).toBe(want.length - 1);
    for (let r = 1; r < want.length; r++) {
      const w = want[r]!.split(","), g = rows[r - 1]!;
      for (let k = 0; k < header.length; k++) {
        const name = header[k]!;
        // text columns with fixed decimals compare as text; numbers as numbers (99.00 vs 99; 0 vs 0.000000)
        if (["datetime", "spread_bps", "gamma", "bid_kappa", "ask_kappa", "bid_a", "ask_a"].includes(name)) expect([name, g[k]]).toEqual([name, w[k]]);
        else expect([name, Number(g[k])]).toEqual([name, Number(w[k])]);
      }
    }
    expect(o.summary.final_equity).toBe(1000);
    expect(o.summary.total_fills).toBe(0);
  }, 60_000);

  test("the trade-to-book rule is what differs: with strictly_before the same data fits κ ≈ 9,412", async () => {
    const { rows } = await run({ compat: "original", trade_book_rule: "strictly_before" });
    const last = rows[rows.length - 1]!;
    expect(last.slice(7, 9).map(Number)).toEqual([99.99, 100.03]); // bid, ask
    expect(Math.abs(Number(last[12]) - 9412) / 9412).toBeLessThan(1e-3); // bid κ
  }, 60_000);
});
