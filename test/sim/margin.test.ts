// margin.ts pair: hand-computed liquidations of a long and a short, orders refused for margin,
// shorts bounded like longs; the WASM core and the reference agree across margin settings; and no
// fill ever leaves a position whose initial margin exceeds the equity.
import { describe, expect, test } from "bun:test";
import { FILL_LIQUIDATION, S, type RunResult } from "../../src/sim/layout.ts";
import { at, run, type Lv } from "../backtest/scenario.ts";
import { synData } from "../backtest/synthetic.ts";
import { runPairs } from "./pair.ts";

/** Quotes bid 99.9 / ask 100.1 for 1 unit (notional 100.1, lot 1); leverage 10, maintenance 5 %, liquidation fee 1 %. */
const MARGIN = { initial_capital: 20, leverage: 10, maintenance_margin_ratio: 0.05, liquidation_fee_bps: 100, taker_fee_bps: 0 };
const book = (ts: number, mid: number): [number, Lv, Lv] => [ts, [[mid - 0.1, 2]], [[mid + 0.1, 2]]];
const liquidations = (r: RunResult) => Array.from(r.fills.trade).map((t, i) => [t, i] as const).filter(([t]) => t === FILL_LIQUIDATION).map(([, i]) => i);

describe("margin: hand-computed scenarios", () => {
  test("a long driven into liquidation: closed at the mid with the liquidation fee, then no more quotes", () => {
    // bought 1 @ 99.9: cash −79.9. Mid 90: equity 10.1 ≥ maintenance 4.5. Mid 84: equity 4.1 < 4.2 → liquidated
    const r = run({ books: [at(0), book(1000, 90), book(2000, 84), book(3000, 84)], trades: [[10, 99.8, 1, -1]], cfg: MARGIN, cal: [0, 3] });
    expect(r.scalars[S.liquidations]).toBe(1);
    const [k] = liquidations(r);
    expect([r.fills.ts[k!], r.fills.side[k!], r.fills.price[k!], r.fills.size[k!], r.fills.inventory[k!]]).toEqual([2000, -1, 84, 1, 0]);
    expect(r.fills.fee[k!]).toBeCloseTo(0.84, 12);
    expect(r.scalars[S.liquidationFees]).toBeCloseTo(0.84, 12);
    expect(r.scalars[S.finalEquity]).toBeCloseTo(20 - 99.9 + 84 - 0.84, 12); // 3.26
    // peak usage at mid 84 before the close: IM 8.4 / equity 4.1; distance at mid 90: (10.1 − 4.5) / (90 × 0.95)
    expect(r.scalars[S.peakMarginUsage]).toBeCloseTo(8.4 / 4.1, 12);
    expect(r.scalars[S.minLiqDistance]).toBeCloseTo((4.1 - 4.2) / (84 * 0.95), 12);
    expect(r.scalars[S.quotesComputed]).toBe(1); // the recalibration at row 3 quotes nothing: stopped
  });

  test("a short driven into liquidation; after_liquidation continue quotes again, from flat, within margin", () => {
    // sold 1 @ 100.1: cash 120.1. Mid 110: equity 10.1 ≥ 5.5. Mid 115: equity 5.1 < 5.75 → liquidated
    const scn = { books: [at(0), book(1000, 110), book(2000, 115), book(3000, 100)], trades: [[10, 100.2, 1, 1]] as [number, number, number, number][], cal: [0, 3] };
    const r = run({ ...scn, cfg: { ...MARGIN, after_liquidation: "continue" } });
    const [k] = liquidations(r);
    expect([r.fills.ts[k!], r.fills.side[k!], r.fills.price[k!], r.fills.size[k!]]).toEqual([2000, 1, 115, 1]);
    expect(r.fills.fee[k!]).toBeCloseTo(1.15, 12);
    expect(r.scalars[S.finalEquity]).toBeCloseTo(20 + 100.1 - 115 - 1.15, 12); // 3.95
    // row 3 quotes again; 1 unit at mid 100 needs 10 of initial margin, the equity is 3.95: both refused
    expect(r.scalars[S.quotesComputed]).toBe(2);
    expect(r.scalars[S.marginRejects]).toBe(2);
    const stopped = run({ ...scn, cfg: MARGIN });
    expect(stopped.scalars[S.quotesComputed]).toBe(1);
    expect(stopped.scalars[S.marginRejects]).toBe(0);
  });

  test("an order whose initial margin, filled in full, would exceed the equity is not placed", () => {
    // capital 5: one unit at mid 100 needs 100 / 10 = 10
    const r = run({ books: [at(0), at(1000)], trades: [[10, 99.8, 1, -1], [20, 100.2, 1, 1]], cfg: { ...MARGIN, initial_capital: 5 } });
    expect(r.scalars[S.marginRejects]).toBe(2);
    expect(r.scalars[S.ordersPlaced]).toBe(0);
    expect(r.fills.ts.length).toBe(0);
  });

  test("a short is bounded exactly like a long; without the margin model only max_inventory bounds it", () => {
    const sells: [number, number, number, number][] = [10, 20, 30, 40].map((t) => [t, 100.2, 1, 1]);
    const buys: [number, number, number, number][] = [10, 20, 30, 40].map((t) => [t, 99.8, 1, -1]);
    // equity 20 + 0.1 per fill: 2 units need 20 ≤ 20.2, a third 30 > 20.3
    const short = run({ books: [at(0)], trades: sells, cfg: MARGIN });
    const long = run({ books: [at(0)], trades: buys, cfg: MARGIN });
    expect(short.scalars[S.invBeforeClose]).toBe(-2);
    expect(long.scalars[S.invBeforeClose]).toBe(2);
    const cash = run({ books: [at(0)], trades: sells, cfg: { ...MARGIN, margin_model: "none" } });
    expect(cash.scalars[S.invBeforeClose]).toBe(-4);
  });
});

// maintenance close to the initial margin (ratio × leverage near 1), so that the synthetic market's
// small moves liquidate
const VARIANTS = [
  { leverage: 2, maintenance_margin_ratio: 0.499, fill_model: "cross" },
  { leverage: 20, maintenance_margin_ratio: 0.0499, fill_model: "cross", after_liquidation: "continue" },
  { leverage: 10, maintenance_margin_ratio: 0.0999, fill_model: "queue", after_liquidation: "continue" },
  { leverage: 5, fill_model: "strict", liquidation_fee_bps: 50 },
  { leverage: 50, maintenance_margin_ratio: 0.0199, fill_model: "queue", queue_model: "risk_averse", after_liquidation: "continue" },
  { leverage: 4, maintenance_margin_ratio: 0.2499, fill_model: "cross", after_liquidation: "continue", requote: "on_recalibration" },
  { margin_model: "none", fill_model: "cross" },
].map((x) => ({ max_inventory: 50, initial_capital: 3000, order_notional: 3000, requote: "every_update", ...x }));

/** Every fill that grows the position leaves its initial margin within the equity, at that fill's mid. */
function expectWithinInitialMargin(r: RunResult, leverage: number): number {
  const f = r.fills;
  let prev = 0, checked = 0;
  for (let i = 0; i < f.ts.length; i++) {
    const inv = f.inventory[i]!, mid = f.mid[i]!;
    if (Math.abs(inv) > Math.abs(prev)) {
      expect((Math.abs(inv) * mid) / leverage).toBeLessThanOrEqual(f.cash[i]! + inv * mid);
      checked++;
    }
    prev = inv;
  }
  return checked;
}

describe("margin: WASM margin.ts vs reference/margin.ts", () => {
  test("synthetic markets, margin settings that liquidate, refuse and continue", () => {
    const runs = [1, 2, 3].flatMap((seed) => runPairs(synData({ seed, books: 4000 }), VARIANTS));
    const sum = (k: number) => runs.reduce((a, r) => a + r.w.scalars[k]!, 0);
    expect(sum(S.liquidations)).toBeGreaterThanOrEqual(2);
    expect(sum(S.marginRejects)).toBeGreaterThan(10);
    const off = runs.filter((r) => r.over.margin_model === "none");
    for (const r of off) expect(r.w.scalars[S.liquidations]! + r.w.scalars[S.marginRejects]!).toBe(0);
  }, 120_000);

  test("property: no run holds a position whose initial margin exceeds its equity", () => {
    let checked = 0;
    for (const seed of [4, 5, 6, 7]) {
      const lev = [1.5, 4, 12, 40][seed - 4]!;
      const settings = VARIANTS.slice(0, 6).map((x) => ({ ...x, leverage: lev, maintenance_margin_ratio: 0.4 / lev }));
      for (const { w, params } of runPairs(synData({ seed, books: 2500 }), settings)) {
        checked += expectWithinInitialMargin(w, params.leverage);
      }
    }
    expect(checked).toBeGreaterThan(200);
  }, 120_000);
});
