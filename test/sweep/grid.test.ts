import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ConfigSchema } from "../../src/config/schema.ts";
import { applyCombo, combinations, parseParam, rangeValues, validateParams } from "../../src/sweep/grid.ts";
import { resultsCsv, summaryText } from "../../src/sweep/output.ts";
import { bestPerValue, rank, type RunMetrics, type SweepRow } from "../../src/sweep/rank.ts";
import { colorFor, sweepReportHtml } from "../../src/sweep/report_html.ts";

const base = v.parse(ConfigSchema, {});

describe("--param parsing", () => {
  test("lists, linear and log ranges with exact end points", () => {
    expect(parseParam("inventory_horizon_seconds=300,900,1800,3600").values).toEqual([300, 900, 1800, 3600]);
    expect(parseParam("min_spread_bps=0:10:5").values).toEqual([0, 2.5, 5, 7.5, 10]);
    const g = parseParam("risk_aversion_gamma=0.01:100:12:log").values;
    expect(g.length).toBe(12);
    expect(g[0]).toBe(0.01);
    expect(g[11]).toBe(100);
    for (let i = 1; i < 12; i++) expect(g[i] / g[i - 1]).toBeCloseTo(Math.pow(1e4, 1 / 11), 10);
    expect(rangeValues(5, 5, 1, false)).toEqual([5]);
  });
  test("interior points carry no binary noise into the CSV and reports (0.1, not 0.10000000000000002)", () => {
    expect(parseParam("risk_aversion_gamma=0.01:1:3:log").values).toEqual([0.01, 0.1, 1]);
    expect(parseParam("min_spread_bps=0:1:11").values).toEqual(Array.from({ length: 11 }, (_, i) => i / 10));
    expect(parseParam("risk_aversion_gamma=1:1000:4:log").values).toEqual([1, 10, 100, 1000]);
  });
  test("bad specs are one-line usage errors", () => {
    for (const s of ["gamma", "=1,2", "x=1:2", "x=1:2:0", "x=1:2:2.5", "x=0:1:3:log", "x=a,b", "x=1,1", "x=1:2:3:lin", "x=1,,2"]) {
      expect(() => parseParam(s)).toThrow(/--param/);
    }
  });
  test("keys and values are checked against the config schema", () => {
    expect(() => validateParams(base, [parseParam("no_such_key=1,2")])).toThrow(/unknown config key/);
    expect(() => validateParams(base, [parseParam("gamma_mode=1,2")])).toThrow(/not a numeric/);
    expect(() => validateParams(base, [parseParam("num_threads=1,2")])).toThrow(/not a numeric/);
    expect(() => validateParams(base, [parseParam("calibration_window_seconds=600,900.5")])).toThrow(/calibration_window_seconds=900.5 is invalid/);
    expect(() => validateParams(base, [parseParam("risk_aversion_gamma=0,1")])).toThrow(/risk_aversion_gamma=0 is invalid/);
    expect(() => validateParams(base, [parseParam("maker_fee_bps=0.1,1"), parseParam("maker_fee_bps=2")])).toThrow(/twice/);
    expect(() => validateParams(base, [parseParam("tick_size=0.1,1")])).toThrow(/not a numeric/);
    expect(() => validateParams(base, [parseParam("risk_aversion_gamma=0.01:100:12:log"), parseParam("inventory_horizon_seconds=300,900")])).not.toThrow();
  });
  test("combinations: first parameter outermost; applyCombo sets exactly those keys", () => {
    const ps = [parseParam("risk_aversion_gamma=0.1,1"), parseParam("inventory_horizon_seconds=300,900,1800")];
    const cs = combinations(ps);
    expect(cs).toEqual([[0.1, 300], [0.1, 900], [0.1, 1800], [1, 300], [1, 900], [1, 1800]]);
    const c = applyCombo(base, ps, cs[4]);
    expect(c.risk_aversion_gamma).toBe(1);
    expect(c.inventory_horizon_seconds).toBe(900);
    expect({ ...c, risk_aversion_gamma: base.risk_aversion_gamma, inventory_horizon_seconds: base.inventory_horizon_seconds }).toEqual(base);
  });
});

const m = (pnl: number, sharpe: number, fills: number): RunMetrics => ({
  pnl, return_pct: pnl / 10, sharpe, sortino: sharpe * 1.5, max_drawdown: 1, max_drawdown_pct: 0.1, return_over_drawdown: pnl, fills, bid_fills: fills >> 1, ask_fills: fills - (fills >> 1), volume: 1, notional: 20 * fills, fees: 0, spread_capture: 0, inventory_pnl: 0, final_inventory: 0, quote_uptime_pct: 100, liquidations: 0,
});

describe("ranking and outputs", () => {
  const ps = [parseParam("a_key=1,2"), parseParam("b_key=10,20")];
  const rows: SweepRow[] = [
    { index: 0, values: [1, 10], metrics: m(5, 0.5, 10) },
    { index: 1, values: [1, 20], metrics: m(9, NaN, 12) },
    { index: 2, values: [2, 10], metrics: m(50, 3, 2) }, // too few fills
    { index: 3, values: [2, 20], metrics: m(7, 0.5, 30) }, // ties index 0 on sharpe
  ];
  test("NaN last, ties by PnL then index, min-fills filter, fallback to all", () => {
    expect(rank(rows, "sharpe", 5)).toEqual({ order: [3, 0, 1], qualified: true }); // 0 and 3 tie on Sharpe: more PnL first
    expect(rank(rows, "pnl", 5).order).toEqual([1, 3, 0]);
    expect(rank(rows, "pnl", 100)).toEqual({ order: [2, 1, 3, 0], qualified: false });
    const failed = [...rows, { index: 4, values: [3, 10], metrics: null, error: "boom" }];
    expect(rank(failed, "pnl", 0).order).toEqual([2, 1, 3, 0]);
    expect(rank([{ index: 0, values: [1, 1], metrics: m(5, 1, 9) }, { index: 1, values: [1, 2], metrics: m(5, 1, 9) }], "sharpe", 5).order).toEqual([0, 1]); // full tie: index
  });
  test("when every run loses, a ratio cannot put a worse PnL first; winners always rank above losers", () => {
    const losers: SweepRow[] = [
      { index: 0, values: [1, 10], metrics: m(-50, -2, 10) }, // lost most, but the least negative Sharpe (volatile)
      { index: 1, values: [1, 20], metrics: m(-10, -5, 10) },
      { index: 2, values: [2, 10], metrics: m(-10, -3, 10) }, // ties index 1 on PnL: the better Sharpe first
      { index: 3, values: [2, 20], metrics: m(0, NaN, 10) }, // broke even
    ];
    for (const metric of ["sharpe", "sortino", "return_over_drawdown", "pnl"] as const) {
      const order = rank(losers, metric, 5).order;
      const pnls = order.map((i) => losers[i]!.metrics!.pnl);
      expect(pnls).toEqual([...pnls].sort((a, b) => b - a));
    }
    expect(rank(losers, "sharpe", 5).order).toEqual([3, 2, 1, 0]);
    const mixed = [...losers, { index: 4, values: [3, 10], metrics: m(1, 0.1, 10) }, { index: 5, values: [3, 20], metrics: m(20, 0.05, 10) }];
    expect(rank(mixed, "sharpe", 5).order).toEqual([4, 5, 3, 2, 1, 0]); // winners by Sharpe, then losers by PnL
  });
  test("best of each parameter for each value of the other", () => {
    const r = rank(rows, "pnl", 5);
    const b = bestPerValue(rows, ps, r);
    expect(b[0].entries.map((e) => [e.value, e.best?.index])).toEqual([[1, 1], [2, 3]]);
    expect(b[1].entries.map((e) => [e.value, e.best?.index])).toEqual([[10, 0], [20, 1]]);
    const text = summaryText(rows, ps, r, b, "pnl", 5);
    expect(text).toContain("[BEST] a_key=1  b_key=20");
    expect(text).toContain("Best b_key for each a_key:");
  });
  test("CSV in combination order whatever the row order; HTML has a heat-map cell per run", () => {
    const r = rank(rows, "sharpe", 5);
    const csv = resultsCsv([...rows].reverse(), ps, r);
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("index,rank,a_key,b_key,pnl,return_pct,sharpe,sortino,max_drawdown,max_drawdown_pct,return_over_drawdown,fills,bid_fills,ask_fills,volume,notional,fees,spread_capture,inventory_pnl,final_inventory,quote_uptime_pct,liquidations,error");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["0,2", "1,3", "2,", "3,1"]);
    expect(lines[2].split(",")[6]).toBe(""); // NaN sharpe → blank
    const html = sweepReportHtml({ title: "t", rows, params: ps, ranking: r, best: bestPerValue(rows, ps, r), metric: "sharpe", minFills: 5, facts: [] });
    expect(html.match(/<g class="cell"/g)!.length).toBe(4);
    expect(html).toContain("(2 fills)");
    expect(html).toContain('data-tip="a_key = 1, b_key = 10\npnl $5.00 (0.5 %)');
    // diverging and centred on 0: white at 0, red for a loss, blue for a gain, symmetric strength
    expect(colorFor(0, 3)).toBe("rgb(247,247,247)");
    expect(colorFor(-3, 3)).toBe("rgb(178,24,43)");
    expect(colorFor(3, 3)).toBe("rgb(33,102,172)");
    expect(colorFor(-9, 3)).toBe("rgb(178,24,43)");
    expect(colorFor(NaN, 3)).toBeNull();
    const withFailure = [...rows.slice(0, 3), { index: 3, values: [2, 20], metrics: null, error: "boom" }];
    const h2 = sweepReportHtml({ title: "t", rows: withFailure, params: ps, ranking: rank(withFailure, "sharpe", 5), best: [], metric: "sharpe", minFills: 5, facts: [] });
    expect(h2).toContain('fill="url(#hatch)"');
    expect(h2).toContain("failed: boom");
  });
});

import { AffinityQueue } from "../../src/sweep/affinity.ts";

describe("AffinityQueue: combinations that share a calibration stay on one worker", () => {
  test("every combination exactly once; groups spread over workers before anyone helps", () => {
    const groupOf = ["a", "a", "a", "b", "b", "b", "c", "c", "d", "d"];
    const q = new AffinityQueue(groupOf, 2, ["a"]);
    const got: [number, number][] = [];
    // workers ask in turn
    for (let turn = 0; got.length < groupOf.length; turn++) {
      const w = turn % 2;
      const i = q.next(w);
      if (i !== null) got.push([w, i]);
    }
    expect(got.map((x) => x[1]).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(q.next(0)).toBeNull();
    // the pre-built calibration "a" is shared by every worker: both start there
    expect(got.slice(0, 3).map((x) => groupOf[x[1]])).toEqual(["a", "a", "a"]);
    // then each starts a calibration of its own; at most one is computed twice (helping at the end)
    const groupsOf = (w: number) => new Set(got.filter((x) => x[0] === w && groupOf[x[1]] !== "a").map((x) => groupOf[x[1]]));
    const both = [...groupsOf(0)].filter((g) => groupsOf(1).has(g));
    expect(both.length).toBeLessThanOrEqual(1);
    expect(groupsOf(0).size + groupsOf(1).size - both.length).toBe(3);
    const q2 = new AffinityQueue(["x", "y", "x", "y"], 2);
    expect([q2.next(0), q2.next(1), q2.next(0), q2.next(1), q2.next(0)]).toEqual([0, 1, 2, 3, null]);
  });

  test("unequal calibrations start most expensive first, balancing the workers", () => {
    // six calibrations costing 1..6 (e.g. windows 600..3600 s), one combination each
    const groupOf = ["1", "2", "3", "4", "5", "6"];
    const q = new AffinityQueue(groupOf, 2, [], Number);
    const load = [0, 0];
    // simulate: the worker that is free first asks next
    for (;;) {
      const w = load[0] <= load[1] ? 0 : 1;
      const i = q.next(w);
      if (i === null) break;
      load[w] += Number(groupOf[i]);
    }
    expect(load[0] + load[1]).toBe(21);
    expect(Math.max(...load)).toBe(11); // lowest-index-first would give 12 (1+3+5 vs 2+4+6)
    const q2 = new AffinityQueue(["a", "b"], 2, [], (g) => (g === "b" ? 2 : 1));
    expect(q2.next(0)).toBe(1);
  });
});
