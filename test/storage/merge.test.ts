import { describe, expect, test } from "bun:test";
import { allocBook, allocTrades, sliceBook, sliceTrades } from "../../src/storage/batch.ts";
import { forEachEvent, mergeChunks } from "../../src/storage/merge.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { rng } from "./helpers.ts";

/** Event code: book row i → i, trade j → -(j+1). */
type Ev = number;

/** Reference: the original's two-cursor merge over whole arrays. */
function naiveMerge(bt: Float64Array, tt: Float64Array): Ev[] {
  const out: Ev[] = [];
  let i = 0;
  let j = 0;
  while (i < bt.length || j < tt.length) {
    if (j < tt.length && (i >= bt.length || tt[j] <= bt[i])) out.push(-(j++ + 1));
    else out.push(i++);
  }
  return out;
}

/** For sorted streams: a stable sort by (ts, trade first) must agree with the two-cursor merge. */
function sortMerge(bt: Float64Array, tt: Float64Array): Ev[] {
  const evs: [number, number, number, Ev][] = [];
  bt.forEach((t, i) => evs.push([t, 1, i, i]));
  tt.forEach((t, j) => evs.push([t, 0, j, -(j + 1)]));
  evs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return evs.map((e) => e[3]);
}

async function* chunked<T>(whole: T, n: number, slice: (x: T, a: number, b: number) => T, r: () => number): AsyncGenerator<T> {
  let a = 0;
  while (a < n) {
    // random chunk sizes, including empty batches
    const b = Math.min(n, a + Math.floor(r() * 12));
    yield slice(whole, a, b);
    a = b;
  }
}

function series(r: () => number, n: number, sorted: boolean): Float64Array {
  const x = new Float64Array(n);
  let t = 0;
  for (let k = 0; k < n; k++) {
    // few distinct ms → many ties between and within streams
    t += sorted ? Math.floor(r() * 3) : Math.floor(r() * 5) - 2;
    x[k] = t;
  }
  return x;
}

async function chunkedMerge(b: BookBatch, t: TradeBatch, r: () => number): Promise<{ events: Ev[]; chunks: number }> {
  const events: Ev[] = [];
  let bOff = 0;
  let tOff = 0;
  let chunks = 0;
  for await (const c of mergeChunks(chunked(b, b.length, sliceBook, r), chunked(t, t.length, sliceTrades, r))) {
    chunks++;
    expect(c.book.length + c.trades.length).toBeGreaterThan(0);
    // chunks are views in stored order: offsets are recovered from the global arrays
    forEachEvent(
      c,
      (i) => events.push(bOff + i),
      (j) => events.push(-(tOff + j + 1)),
    );
    bOff += c.book.length;
    tOff += c.trades.length;
  }
  return { events, chunks };
}

describe("mergeChunks", () => {
  test("random chunkings with ties reproduce the global merge exactly (sorted streams)", async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const nb = Math.floor(r() * 60);
      const nt = Math.floor(r() * 60);
      const b = allocBook("X", 1, nb);
      b.timestampMs.set(series(r, nb, true));
      const t = allocTrades("X", nt);
      t.timestampMs.set(series(r, nt, true));
      const want = naiveMerge(b.timestampMs, t.timestampMs);
      expect(sortMerge(b.timestampMs, t.timestampMs)).toEqual(want);
      const { events } = await chunkedMerge(b, t, r);
      expect(events).toEqual(want);
    }
  });

  test("unsorted streams still follow the two-cursor rule exactly", async () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const r = rng(seed);
      const b = allocBook("X", 1, 40);
      b.timestampMs.set(series(r, 40, false));
      const t = allocTrades("X", 35);
      t.timestampMs.set(series(r, 35, false));
      const { events } = await chunkedMerge(b, t, r);
      expect(events).toEqual(naiveMerge(b.timestampMs, t.timestampMs));
    }
  });

  test("trade first on equal ms; one empty stream", async () => {
    const b = allocBook("X", 1, 2);
    b.timestampMs.set([5, 7]);
    const t = allocTrades("X", 2);
    t.timestampMs.set([5, 7]);
    const r = rng(1);
    expect((await chunkedMerge(b, t, r)).events).toEqual([-1, 0, -2, 1]);
    expect((await chunkedMerge(allocBook("X", 1, 0), t, r)).events).toEqual([-1, -2]);
    expect((await chunkedMerge(b, allocTrades("X", 0), r)).events).toEqual([0, 1]);
  });

  test("memory stays bounded: chunks never exceed one source batch", async () => {
    const r = rng(77);
    const n = 5000;
    const b = allocBook("X", 1, n);
    b.timestampMs.set(series(r, n, true));
    const t = allocTrades("X", n);
    t.timestampMs.set(series(r, n, true));
    for await (const c of mergeChunks(chunked(b, n, sliceBook, r), chunked(t, n, sliceTrades, r))) {
      expect(c.book.length).toBeLessThan(12);
      expect(c.trades.length).toBeLessThan(12);
      // views, not copies
      expect(c.book.timestampMs.buffer).toBe(b.timestampMs.buffer);
    }
  });
});
