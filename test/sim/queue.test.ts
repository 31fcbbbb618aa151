// queue.ts pair: queue position at join, trades at our price eaten by the queue ahead, level
// changes under the risk-averse and power models (integer and fractional powers), off-grid levels.
import { describe, expect, test } from "bun:test";
import { FILL_BY_BOOK } from "../../src/sim/layout.ts";
import { synData, synOffGrid } from "../backtest/synthetic.ts";
import { runPairs, type PairRun } from "./pair.ts";

const QUEUE = [
  { queue_model: "risk_averse" },
  { queue_model: "power", queue_power: 1 },
  { queue_model: "power", queue_power: 2, order_latency_ms: 0 },
  { queue_model: "power", queue_power: 2.5 },
  { queue_model: "power", queue_power: 3 },
  { queue_model: "power", queue_power: 4, requote: "on_recalibration" },
].map((x) => ({ fill_model: "queue", requote: "every_update", ...x }));

/** Fills that only the queue rule makes: partial (the trade's reach was less than the order) and book-crossing. */
function exercised(runs: PairRun[]) {
  let partial = 0, byBook = 0, byTrade = 0;
  for (const { w } of runs) {
    for (let i = 0; i < w.fills.ts.length; i++) {
      if (w.fills.trade[i] === FILL_BY_BOOK) byBook++;
      else if (w.fills.trade[i]! >= 0) {
        byTrade++;
        if (w.fills.size[i]! * w.fills.price[i]! < 3000 * 0.9) partial++;
      }
    }
  }
  return { partial, byBook, byTrade };
}

describe("queue: WASM queue.ts vs reference/queue.ts", () => {
  test("synthetic markets, every queue model", () => {
    const runs = [1, 2].flatMap((seed) => runPairs(synData({ seed, books: 3000 }), QUEUE));
    const e = exercised(runs);
    expect(e.byTrade).toBeGreaterThan(50);
    expect(e.partial).toBeGreaterThan(5);
    expect(e.byBook).toBeGreaterThan(5);
  }, 60_000);

  test("book grid finer than our tick: off-grid levels in the scans", () => {
    const runs = runPairs(synOffGrid(7, 0.5), QUEUE, { tick_size: 0.5 });
    expect(exercised(runs).byTrade).toBeGreaterThan(20);
  }, 60_000);

  test("a book two levels deep: our price often beyond the recorded depth (unknown queue)", () => {
    const runs = runPairs(synData({ seed: 8, books: 3000, keepLevels: 2 }), QUEUE, { max_shift_ticks: 5, min_spread_bps: 1 });
    expect(exercised(runs).byTrade).toBeGreaterThan(20);
  }, 60_000);
});
