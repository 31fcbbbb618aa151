import { describe, expect, test } from "bun:test";
import { BookSide, BookState } from "../../src/collect/book_state.ts";

/** A tiny deterministic PRNG so property tests are reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Reference: a Map, sorted on demand. */
function refTop(m: Map<number, number>, desc: boolean): [number, number][] {
  return [...m.entries()].filter(([, q]) => q > 0).sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
}

describe("BookSide", () => {
  test("matches a Map reference under random set/add (incl. removals to exactly zero)", () => {
    for (const desc of [true, false]) {
      const r = rng(desc ? 7 : 11);
      const side = new BookSide(desc, 2); // tiny capacity to exercise growth
      const ref = new Map<number, number>();
      for (let k = 0; k < 20_000; k++) {
        const px = 1000 + Math.floor(r() * 300);
        const cur = ref.get(px) ?? 0;
        if (r() < 0.3) {
          const q = Math.floor(r() * 50) - 5;
          side.set(px, q);
          if (q > 0) ref.set(px, q);
          else ref.delete(px);
        } else {
          // remove exactly half the time when the level exists
          const change = cur > 0 && r() < 0.5 ? -cur : Math.floor(r() * 40) - 20;
          side.add(px, change);
          const next = cur + change;
          if (next > 0) ref.set(px, next);
          else ref.delete(px);
        }
      }
      const want = refTop(ref, desc);
      expect(side.n).toBe(want.length);
      for (let i = 0; i < side.n; i++) {
        expect(side.px[i]).toBe(want[i][0]);
        expect(side.qty[i]).toBe(want[i][1]);
      }
    }
  });

  test("a negative change on an absent level does not create it", () => {
    const s = new BookSide(false);
    s.add(100, -3);
    expect(s.n).toBe(0);
    s.add(100, 5);
    s.add(100, -5);
    expect(s.n).toBe(0);
  });
});

describe("BookState", () => {
  test("crossed only when bid > ask; locked is allowed", () => {
    const b = new BookState();
    b.bids.set(100, 1);
    b.asks.set(101, 1);
    expect(b.crossed()).toBe(false);
    b.bids.set(101, 1);
    expect(b.crossed()).toBe(false); // locked
    b.bids.set(102, 1);
    expect(b.crossed()).toBe(true);
    b.clear();
    expect(b.empty()).toBe(true);
  });
});
