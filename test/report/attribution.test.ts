import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { FILL_BY_BOOK, FILL_CLOSE, FILL_LIQUIDATION } from "../../src/sim/layout.ts";
import { at, run, type Lv } from "../backtest/scenario.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { ATTRIBUTION_KEYS, attribution } from "../../src/report/attribution.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

describe("PnL attribution", () => {
  test("hand-computed: spread capture, inventory, fees and funding at each sample", () => {
    // capital 1000; buy 1 @ 99 (mid 100), buy 2 @ 100.9 (mid 101), sell 1 @ 102 (mid 101.5),
    // funding −0.05 at t = 18 s, close: sell 2 @ 100 (mid 100.2, taker fee 0.1)
    const fills = {
      ts: [5000, 12000, 15000, 30000], side: [1, 1, -1, -1], price: [99, 100.9, 102, 100], size: [1, 2, 1, 2],
      fee: [0.01, 0.02, 0.01, 0.1], mid: [100, 101, 101.5, 100.2], trade: [3, FILL_BY_BOOK, 7, FILL_CLOSE],
    };
    const samples = { ts: [0, 10000, 20000, 30000], cash: [1000, 900.99, 801.11, 1001.01], inventory: [0, 1, 2, 0], mid: [100, 100.5, 101, 100.2] };
    const a = attribution(samples, fills, 1000);
    const r = (x: Float64Array) => Array.from(x, (y) => Number(y.toFixed(9)));
    expect(r(a.total)).toEqual([0, 1.49, 3.11, 1.01]);
    expect(r(a.components.spread_capture)).toEqual([0, 1, 1.7, 1.7]); // (100−99)·1, + (101−100.9)·2 + (102−101.5)·1; the close is not a quote
    expect(r(a.components.fees)).toEqual([0, -0.01, -0.04, -0.14]);
    expect(r(a.components.funding)).toEqual([0, 0, -0.05, -0.05]);
    // the position marked at the mid: 1·0.5; + 1·1 + 3·0.5 − 2·0.5; − 2·0.8 and the close 0.2 below the mid on 2
    expect(r(a.components.inventory_pnl)).toEqual([0, 0.5, 1.5, -0.5]);
  });

  test("a liquidation is its own part: its fees and distance from the mid, out of fees and inventory", () => {
    // margin.test.ts's long: bought 1 @ 99.9, mid falls to 84, liquidated at 84 with a 1 % fee (0.84); capital 20
    const book = (ts: number, mid: number): [number, Lv, Lv] => [ts, [[mid - 0.1, 2]], [[mid + 0.1, 2]]];
    const cfg = { initial_capital: 20, leverage: 10, maintenance_margin_ratio: 0.05, liquidation_fee_bps: 100, taker_fee_bps: 0 };
    const r = run({ books: [at(0), book(1000, 90), book(2000, 84), book(3000, 84)], trades: [[10, 99.8, 1, -1]], cfg, cal: [0, 3] });
    const k = Array.from(r.fills.trade).indexOf(FILL_LIQUIDATION);
    expect(k).toBeGreaterThan(0);
    const a = attribution(r.samples, r.fills, 20);
    const last = a.ts.length - 1;
    for (let i = 0; i <= last; i++) expect(Math.abs(ATTRIBUTION_KEYS.reduce((x, key) => x + a.components[key][i]!, 0) - a.total[i]!)).toBeLessThan(1e-12);
    expect(a.total[last]!).toBeCloseTo(-99.9 + 84 - 0.84, 12);
    expect(a.components.liquidation[last]!).toBeCloseTo(-r.fills.side[k]! * (r.fills.price[k]! - r.fills.mid[k]!) * r.fills.size[k]! - 0.84, 12);
    expect(a.components.liquidation[last]!).toBeCloseTo(-0.84, 12); // closed at the mid: only the fee
    expect(a.components.fees[last]! + 0).toBe(0); // maker fee 0, no close: the liquidation's fee is not here
    expect(a.components.spread_capture[last]!).toBeCloseTo(r.fills.mid[0]! - 99.9, 12);
    expect(a.components.funding[last]!).toBeCloseTo(0, 12);
    expect(a.components.liquidation[0]!).toBe(0);
  });

  test("on a real run: the parts add up to the total at every point, end at the summary's split, and funding stays 0 without funding data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attr-"));
    try {
      const cfg = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.01, order_notional: 100 });
      const out = await runBacktest({ config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet") });
      const a = attribution(out.chart.samples, out.result.fills, out.params.capital);
      const n = a.ts.length;
      expect(n).toBeGreaterThan(2000);
      let worst = 0, fundingMax = 0;
      for (let i = 0; i < n; i++) {
        const sum = ATTRIBUTION_KEYS.reduce((s, k) => s + a.components[k][i]!, 0);
        worst = Math.max(worst, Math.abs(sum - a.total[i]!));
        fundingMax = Math.max(fundingMax, Math.abs(a.components.funding[i]!));
      }
      expect(worst).toBeLessThan(1e-9);
      // a fill counted in the wrong sample would show as a jump of price·size (~$100) here
      expect(fundingMax).toBeLessThan(1e-9);
      const s = out.summary, last = n - 1;
      expect(a.total[last]!).toBeCloseTo(s.final_pnl, 9);
      expect(a.components.spread_capture[last]!).toBeCloseTo(s.spread_capture, 9);
      expect(a.components.inventory_pnl[last]!).toBeCloseTo(s.inventory_pnl, 9);
      expect(a.components.fees[last]!).toBeCloseTo(-s.fees_total, 9);
      expect(s.spread_capture).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
