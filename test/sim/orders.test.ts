// orders.ts pair: latency (replacement pending while the old order rests), expiry, post-only
// rejects, cooldown, warm-up after a gap, requote modes and the cross/strict trade rules.
import { describe, expect, test } from "bun:test";
import { S } from "../../src/sim/layout.ts";
import { synData } from "../backtest/synthetic.ts";
import { runPairs } from "./pair.ts";

const ORDERS = [
  { fill_model: "cross", order_latency_ms: 0, requote: "every_update" },
  { fill_model: "cross", order_latency_ms: 800, quote_validity_seconds: 1 },
  { fill_model: "strict", order_latency_ms: 250, quote_validity_seconds: 3, requote: "every_update" },
  { fill_model: "strict", order_latency_ms: 2000, fill_cooldown_seconds: 5, requote: "on_recalibration" },
  { fill_model: "queue", order_latency_ms: 1500, quote_validity_seconds: 2, fill_cooldown_seconds: 1 },
  { fill_model: "cross", requote: "on_recalibration", quote_validity_seconds: 0, fill_cooldown_seconds: 60 },
  // a quote pinned inside the spread: post-only rejects on a locked/crossing book
  { fill_model: "cross", min_spread_bps: 0.1, max_spread_bps: 0.5, order_latency_ms: 600 },
];

describe("orders: WASM orders.ts vs reference/orders.ts", () => {
  test("synthetic markets with a gap, every order policy", () => {
    const runs = [1, 2].flatMap((seed) => runPairs(synData({ seed, books: 3000, gap: true }), ORDERS));
    const sum = (k: number) => runs.reduce((a, r) => a + r.w.scalars[k]!, 0);
    expect(sum(S.postOnlyRejects)).toBeGreaterThan(0);
    expect(sum(S.expired)).toBeGreaterThan(0);
    expect(sum(S.ordersPlaced)).toBeGreaterThan(1000);
    for (const r of runs) expect(r.w.fills.ts.length).toBeGreaterThan(1);
  }, 60_000);
});
