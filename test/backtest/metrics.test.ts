import { describe, expect, test } from "bun:test";
import { drawdown } from "../../src/backtest/metrics.ts";

const f = (xs: number[]) => Float64Array.from(xs);
const minutes = (n: number) => f(Array.from({ length: n }, (_, i) => i * 60_000));

describe("drawdown", () => {
  test("a flat or rising equity curve never spends time under water", () => {
    expect(drawdown(minutes(4), f([1000, 1000, 1000, 1000]))).toEqual({ max: 0, maxPct: 0, durationMs: 0 });
    expect(drawdown(minutes(4), f([1000, 1001, 1002, 1003]))).toEqual({ max: 0, maxPct: 0, durationMs: 0 });
  });
  test("time under water runs from the last peak to the recovery (or the end)", () => {
    // peak at t=1 min, below at 2 and 3, recovered at 4 → 3 min
    const a = drawdown(minutes(6), f([1000, 1010, 1005, 1000, 1010, 1020]));
    expect(a.max).toBe(10);
    expect(a.durationMs).toBe(180_000);
    // never recovers: from the peak at 1 min to the end at 4 min
    const b = drawdown(minutes(5), f([1000, 1010, 1005, 1008, 1009]));
    expect(b.durationMs).toBe(180_000);
    expect(b.maxPct).toBeCloseTo((5 / 1010) * 100, 12);
  });
});
