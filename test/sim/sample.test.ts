// sample.ts pair: the equity grid at several spacings, quote uptime across an event-free outage
// with and without expiry, time at the limit, and the per-recalibration rows.
import { describe, expect, test } from "bun:test";
import { S } from "../../src/sim/layout.ts";
import { synData } from "../backtest/synthetic.ts";
import { runPairs } from "./pair.ts";

const SAMPLE = [
  { equity_sample_seconds: 0.1 },
  { equity_sample_seconds: 1, quote_validity_seconds: 2 },
  { equity_sample_seconds: 60, quote_validity_seconds: 30, requote: "on_recalibration" },
  { equity_sample_seconds: 7, max_inventory: 0.2, fill_model: "queue" },
].map((x) => ({ fill_model: "cross", requote: "every_update", ...x }));

describe("sample: WASM sample.ts vs reference/sample.ts", () => {
  test("synthetic market with an outage, every sampling setting", () => {
    const runs = runPairs(synData({ seed: 5, books: 3000, gap: true }), SAMPLE);
    const fine = runs[0]!.w;
    expect(fine.samples.ts.length).toBeGreaterThan(10_000);
    for (const { w } of runs) {
      expect(w.scalars[S.bidLiveTime]!).toBeGreaterThan(0);
      expect(w.scalars[S.anyLiveTime]!).toBeLessThanOrEqual(w.scalars[S.totalTime]!);
      expect(w.rows.mid.length).toBeGreaterThan(10);
    }
    // with expiry the outage is not counted as quoted time
    expect(runs[1]!.w.scalars[S.anyLiveTime]!).toBeLessThan(runs[0]!.w.scalars[S.anyLiveTime]!);
  }, 60_000);
});
