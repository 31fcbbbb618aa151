import { describe, expect, test } from "bun:test";
import { LiveComparer, type Levels } from "../../src/verify/live_compare.ts";

const L = (pairs: [number, number][]): Levels => ({ px: pairs.map((p) => p[0]), qty: pairs.map((p) => p[1]) });
const none = L([]);

describe("LiveComparer: delta-built book vs every snapshot", () => {
  test("consistent stream matches every snapshot", () => {
    const c = new LiveComparer();
    c.onSnapshot(1, L([[100, 5], [99, 3]]), L([[101, 4], [102, 2]]));
    c.onDelta(2, L([[100, -5], [98, 7]]), L([[101, 1]])); // level 100 removed exactly
    c.onDelta(3, none, L([[103, 9], [102, -2]]));
    expect(c.onSnapshot(4, L([[99, 3], [98, 7]]), L([[101, 5], [103, 9]]))).toBe(0);
    expect(c.stats).toMatchObject({ snapshots: 2, deltas: 2, compared: 1, matched: 1, mismatchedSnapshots: 0, seqGaps: 0, seqRegressions: 0 });
  });

  test("each kind of mismatch is counted per level, then the book is re-seeded", () => {
    const c = new LiveComparer();
    c.onSnapshot(1, L([[100, 5], [99, 3]]), L([[101, 4]]));
    c.onDelta(2, L([[99, 1]]), L([[105, 2]])); // 99 → 4 (snapshot says 3), extra ask 105
    expect(c.onSnapshot(3, L([[100, 5], [99, 3], [97, 1]]), L([[101, 4]]))).toBe(3); // + missing bid 97
    expect(c.stats.levelMismatches).toEqual({ missing_in_delta: 1, extra_in_delta: 1, size_mismatch: 1 });
    expect(c.mismatches.map((m) => [m.side, m.kind, m.price, m.deltaQty, m.snapshotQty])).toEqual([
      ["bid", "size_mismatch", 99, 4, 3],
      ["bid", "missing_in_delta", 97, 0, 1],
      ["ask", "extra_in_delta", 105, 2, 0],
    ]);
    // re-seeded: the next snapshot, unchanged, matches
    expect(c.onSnapshot(4, L([[100, 5], [99, 3], [97, 1]]), L([[101, 4]]))).toBe(0);
    expect(c.stats).toMatchObject({ compared: 2, matched: 1, mismatchedSnapshots: 1 });
  });

  test("deltas before the first snapshot, seq gaps and regressions, crossed delta book", () => {
    const c = new LiveComparer();
    c.onDelta(7, L([[1, 1]]), none);
    c.onSnapshot(1, L([[100, 5]]), L([[101, 4]])); // a snapshot may restart the sequence
    c.onDelta(2, none, none);
    c.onDelta(5, none, none); // gap
    c.onDelta(5, none, none); // regression
    c.onDelta(6, L([[102, 1]]), none); // bid above the ask: crossed
    expect(c.stats).toMatchObject({ deltasBeforeSnapshot: 1, seqGaps: 1, seqRegressions: 1, crossedAfterDelta: 1 });
  });

  test("a DELTA's stated new size wins and a conflict with old + change is counted", () => {
    const c = new LiveComparer();
    c.onSnapshot(1, L([[100, 5]]), L([[101, 4]]));
    c.onDelta(2, { px: [100, 99], qty: [-2, 1], abs: [3, NaN] }, none); // consistent: 5 - 2 = 3
    c.onDelta(3, { px: [100], qty: [1], abs: [7] }, none); // 3 + 1 ≠ 7: conflict, 7 applied
    expect(c.stats.deltaSizeConflicts).toBe(1);
    expect(c.onSnapshot(4, L([[100, 7], [99, 1]]), L([[101, 4]]))).toBe(0);
  });
});
