import { describe, expect, test } from "bun:test";
import { FILL_BY_BOOK, FILL_CLOSE, S } from "../../src/sim/layout.ts";
import { at, BOOK, makerFills, run, type Lv } from "./scenario.ts";

describe("order latency and post-only", () => {
  test("an order is not live before decision time + order_latency_ms", () => {
    const r = run({ books: [at(0)], trades: [[50, 100.1, 1, 1], [150, 100.1, 1, 1]], cfg: { order_latency_ms: 100 } });
    expect(r.fills.ts[0]).toBe(150);
    expect(makerFills(r)).toBe(1);
  });
  test("a quote that would cross the book when it goes live is rejected", () => {
    const r = run({
      books: [at(0), at(50, [[100.1, 1]], [[100.2, 1]])],
      trades: [[150, 100.3, 1, 1], [160, 99.0, 1, -1]],
      cfg: { order_latency_ms: 100 },
    });
    expect(r.scalars[S.postOnlyRejects]).toBe(1); // the ask at 100.1 ≤ best bid 100.1
    expect(Array.from(r.fills.side).slice(0, 1)).toEqual([1]); // only the bid could fill
  });
});

describe("cross / strict", () => {
  test("a trade at the quote fills under cross, not under strict; through fills both", () => {
    const touch = { books: [at(0)], trades: [[10, 100.1, 1, 1]] as [number, number, number, number][] };
    expect(makerFills(run(touch))).toBe(1);
    expect(makerFills(run({ ...touch, cfg: { fill_model: "strict" } }))).toBe(0);
    expect(makerFills(run({ books: [at(0)], trades: [[10, 100.2, 1, 1]], cfg: { fill_model: "strict" } }))).toBe(1);
  });
  test("fills are at the quote price with the full order size, regardless of trade size", () => {
    const r = run({ books: [at(0)], trades: [[10, 100.5, 0.01, 1]] });
    expect([r.fills.price[0], r.fills.size[0], r.fills.side[0]]).toEqual([100.1, 1, -1]);
  });
  test("per-side cooldown", () => {
    const trades: [number, number, number, number][] = [[1000, 100.2, 1, 1], [2000, 100.2, 1, 1], [2500, 99.8, 1, -1], [7000, 100.2, 1, 1]];
    const r = run({ books: [at(0)], trades, cfg: { fill_cooldown_seconds: 5 } });
    expect(Array.from(r.fills.ts).slice(0, 3)).toEqual([1000, 2500, 7000]);
  });
  test("quote validity: an expired quote does not fill", () => {
    const r = run({ books: [at(0)], trades: [[500, 100.2, 1, 1], [1500, 100.2, 1, 1]], cfg: { quote_validity_seconds: 1 } });
    expect(Array.from(r.fills.ts).filter((_, i) => r.fills.trade[i] !== FILL_CLOSE)).toEqual([500]);
  });
});

describe("queue model", () => {
  test("joins behind the displayed size, advances on trades at its price, fills partially up to the traded excess", () => {
    const r = run({
      books: [at(0)],
      trades: [[10, 100.1, 1.5, 1], [20, 100.1, 5, -1], [30, 100.1, 1.0, 1], [40, 100.1, 2, 1]],
      cfg: { fill_model: "queue", queue_model: "risk_averse", markets_config: { T: { lot_size: 0.1 } } },
    });
    // 2.0 ahead: 1.5 traded → 0.5 ahead; the sell-aggressor print does not touch the ask queue;
    // 1.0 traded → 0.5 fills; the next 2.0 fills the remaining 0.5.
    expect(Array.from(r.fills.ts).slice(0, 2)).toEqual([30, 40]);
    expect(Array.from(r.fills.size).slice(0, 2)).toEqual([0.5, 0.5]);
    expect(r.fills.price[0]).toBe(100.1);
  });
  test("power model credits part of a level decrease to orders ahead; risk-averse does not", () => {
    const grow: Lv = [[100.1, 4], [100.2, 5]];
    const shrink: Lv = [[100.1, 3], [100.2, 5]];
    const books = [at(0), at(100, BOOK[0], grow), at(200, BOOK[0], shrink)];
    const trades: [number, number, number, number][] = [[300, 100.1, 1.8, 1]];
    const lot = { T: { lot_size: 0.1 } };
    const ra = run({ books, trades, cfg: { fill_model: "queue", queue_model: "risk_averse", markets_config: lot } });
    const pw = run({ books, trades, cfg: { fill_model: "queue", queue_model: "power", queue_power: 2, markets_config: lot } });
    expect(makerFills(ra)).toBe(0); // 2.0 ahead stays 2.0 (capped at 3): 1.8 traded leaves 0.2
    // power: front 2, back 2, decrease 1 → p = 2²/(2²+2²) = ½ → front = 2 − ½ = 1.5; 1.8 traded → 0.3 fills
    expect(makerFills(pw)).toBe(1);
    expect(pw.fills.size[0]).toBeCloseTo(0.3, 12);
  });
  test("a trade through the price fills the whole remaining order; a book crossing our price fills too", () => {
    const r = run({ books: [at(0)], trades: [[10, 100.3, 0.1, 1]], cfg: { fill_model: "queue" } });
    expect(r.fills.size[0]).toBe(1);
    const b = run({ books: [at(0), at(100, [[100.1, 1]], [[100.3, 1]])], cfg: { fill_model: "queue" } });
    expect(b.fills.trade[0]).toBe(FILL_BY_BOOK);
    expect([b.fills.side[0], b.fills.price[0]]).toEqual([-1, 100.1]);
  });
});

describe("limits, costs and accounting", () => {
  test("inventory limit truncates fills and then blocks them; time at limit is measured", () => {
    const trades: [number, number, number, number][] = [[10, 99.8, 1, -1], [20, 99.8, 1, -1], [30, 99.8, 1, -1], [1030, 99.8, 1, -1]];
    const r = run({ books: [at(0)], trades, cfg: { max_inventory: 1.5, markets_config: { T: { lot_size: 0.5 } } } });
    expect(Array.from(r.fills.size).slice(0, 2)).toEqual([1, 0.5]);
    expect(makerFills(r)).toBe(2);
    expect(r.scalars[S.limitTime]).toBe(1030 - 20);
  });
  test("cash check on buys (margin_model none, the original's account): no fill the account cannot pay for", () => {
    const r = run({ books: [at(0)], trades: [[10, 99.8, 1, -1]], cfg: { initial_capital: 50, margin_model: "none" } });
    expect(makerFills(r)).toBe(0);
  });
  test("order size = notional / price rounded down to the lot", () => {
    const r = run({ books: [at(0)], trades: [[10, 99.8, 1, -1]], cfg: { order_notional: 100, markets_config: { T: { lot_size: 0.3 } } } });
    expect(r.fills.size[0]).toBeCloseTo(0.9, 15); // 100 / 99.9 = 1.001 → 3 lots
  });
  test("negative maker fee is a rebate; the close pays the taker fee at the last mid", () => {
    const r = run({ books: [at(0), at(1000)], trades: [[10, 100.2, 1, 1]], cfg: { maker_fee_bps: -1, taker_fee_bps: 5 } });
    expect(r.fills.fee[0]).toBeCloseTo(-100.1 * 1e-4, 15);
    const k = r.fills.ts.length - 1;
    expect(r.fills.trade[k]).toBe(FILL_CLOSE);
    expect([r.fills.side[k], r.fills.price[k], r.fills.size[k]]).toEqual([1, 100, 1]);
    expect(r.fills.fee[k]).toBeCloseTo(100 * 5e-4, 15);
    expect(r.scalars[S.finalEquity]).toBeCloseTo(1000 + 0.1 + 100.1e-4 - 0.05, 12);
  });
  test("funding: a positive rate debits longs", () => {
    const r = run({ books: [at(0), at(5000)], trades: [[10, 99.8, 1, -1]], funding: [[3000, 1e-4]] });
    expect(r.scalars[S.funding]).toBeCloseTo(-1 * 100 * 1e-4, 15);
  });
  test("warm-up at start and after a gap: no fills until it ends, quotes cancelled at the gap", () => {
    const books = [at(0), at(10_000), at(3_000_000), at(3_001_000)];
    const trades: [number, number, number, number][] = [[5_000, 100.2, 1, 1], [12_000, 100.2, 1, 1], [3_000_500, 100.2, 1, 1], [3_012_000, 100.2, 1, 1]];
    const r = run({ books, trades, cal: [0, 2], cfg: { warmup_period_seconds: 10, gap_threshold_seconds: 1800 } });
    expect(Array.from(r.fills.ts).filter((_, i) => r.fills.trade[i] !== FILL_CLOSE)).toEqual([12_000, 3_012_000]);
  });
  test("equity samples: equity = cash + inventory × mid on the grid, consistent with the fills before each sample", () => {
    const trades: [number, number, number, number][] = [[1500, 100.2, 1, 1], [2500, 99.8, 1, -1], [4200, 100.2, 1, 1]];
    const r = run({ books: [at(0), at(1000), at(2000), at(3000), at(4000), at(5000)], trades, cfg: { requote: "every_update" } });
    const q = r.samples;
    for (let i = 0; i < q.ts.length - 1; i++) {
      let last = -1;
      for (let k = 0; k < r.fills.ts.length; k++) if (r.fills.ts[k]! < q.ts[i]!) last = k;
      expect(q.cash[i]).toBe(last < 0 ? 1000 : r.fills.cash[last]!);
      expect(q.inventory[i]).toBe(last < 0 ? 0 : r.fills.inventory[last]!);
    }
    expect(q.inventory[q.ts.length - 1]).toBe(0); // final sample after the close
    expect(q.cash[q.ts.length - 1]).toBe(r.scalars[S.finalEquity]!);
  });
});
