import { describe, expect, test } from "bun:test";
import { allocBook, allocFunding, allocTrades, sliceBook, sliceFunding, sliceTrades } from "../../src/storage/batch.ts";
import { eventChunks, forEachEvent, forEachMerged, type EventChunk } from "../../src/storage/events.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "../../src/storage/types.ts";
import { rng } from "./helpers.ts";

/** Event code: book row i → "b i", trade j → "t j", funding k → "f k". */
type Ev = string;

/**
 * Reference: the original's cursor merge over whole arrays, heads only (as the TypeScript
 * reference loop): funding if tf ≤ tt and tf ≤ tb, else trade if tt ≤ tb, else book.
 */
function naiveMerge(bt: Float64Array, tt: Float64Array, ft: Float64Array = new Float64Array(0)): Ev[] {
  const out: Ev[] = [];
  let i = 0, j = 0, k = 0;
  while (i < bt.length || j < tt.length || k < ft.length) {
    const b = i < bt.length ? bt[i]! : Infinity, t = j < tt.length ? tt[j]! : Infinity, f = k < ft.length ? ft[k]! : Infinity;
    if (f <= t && f <= b) out.push(`f ${k++}`);
    else if (t <= b) out.push(`t ${j++}`);
    else out.push(`b ${i++}`);
  }
  return out;
}

/** For sorted streams: a stable sort by (ts, funding < trade < book) must agree with the cursor merge. */
function sortMerge(bt: Float64Array, tt: Float64Array, ft: Float64Array): Ev[] {
  const evs: [number, number, number, Ev][] = [];
  ft.forEach((t, k) => evs.push([t, 0, k, `f ${k}`]));
  tt.forEach((t, j) => evs.push([t, 1, j, `t ${j}`]));
  bt.forEach((t, i) => evs.push([t, 2, i, `b ${i}`]));
  evs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return evs.map((e) => e[3]);
}

async function* batches<T extends { length: number }>(whole: T, slice: (x: T, a: number, b: number) => T, r: () => number): AsyncGenerator<T> {
  let a = 0;
  while (a < whole.length) {
    // random batch sizes, including empty batches
    const b = Math.min(whole.length, a + Math.floor(r() * 12));
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

function market(r: () => number, nb: number, nt: number, nf: number, sorted: boolean) {
  const b = allocBook("X", 1, nb);
  b.timestampMs.set(series(r, nb, sorted));
  const t = allocTrades("X", nt);
  t.timestampMs.set(series(r, nt, sorted));
  const f = allocFunding("X", nf);
  f.timestampMs.set(series(r, nf, sorted));
  return { b, t, f };
}

/** Global row index of a batch row: chunks are views, so the offset is recovered from the buffer. */
const at = (x: { timestampMs: Float64Array }, row: number) => x.timestampMs.byteOffset / 8 + row;

async function chunkedMerge(m: { b: BookBatch; t: TradeBatch; f: FundingBatch }, r: () => number, chunkRows: number): Promise<{ events: Ev[]; chunks: EventChunk[] }> {
  const events: Ev[] = [];
  const chunks: EventChunk[] = [];
  for await (const c of eventChunks(batches(m.b, sliceBook, r), batches(m.t, sliceTrades, r), batches(m.f, sliceFunding, r), chunkRows)) {
    chunks.push(c);
    forEachEvent(
      c,
      (b, i) => events.push(`b ${at(b, i)}`),
      (t, j) => events.push(`t ${at(t, j)}`),
      (f, k) => events.push(`f ${at(f, k)}`),
    );
  }
  return { events, chunks };
}

describe("event stream", () => {
  test("random batches and chunk sizes with ties reproduce the global merge exactly (sorted streams)", async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const m = market(r, Math.floor(r() * 60), Math.floor(r() * 60), Math.floor(r() * 6), true);
      const want = naiveMerge(m.b.timestampMs, m.t.timestampMs, m.f.timestampMs);
      expect(sortMerge(m.b.timestampMs, m.t.timestampMs, m.f.timestampMs)).toEqual(want);
      const chunkRows = 1 + Math.floor(r() * 20);
      const { events, chunks } = await chunkedMerge(m, r, chunkRows);
      expect(events).toEqual(want);
      // a chunk takes at most chunkRows book rows unless they share one millisecond
      for (const c of chunks) {
        const ts = c.books.flatMap((b) => Array.from(b.timestampMs));
        if (ts.length > chunkRows) expect(new Set(ts).size).toBe(1);
      }
      expect(chunks.at(-1)!.last).toBe(true);
      expect(chunks.slice(0, -1).every((c) => !c.last)).toBe(true);
    }
  });

  test("unsorted streams still follow the cursor rule exactly", async () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const r = rng(seed);
      const m = market(r, 40, 35, 4, false);
      const { events } = await chunkedMerge(m, r, 1 + Math.floor(r() * 15));
      expect(events).toEqual(naiveMerge(m.b.timestampMs, m.t.timestampMs, m.f.timestampMs));
    }
  });

  test("funding, then trade, then book on equal ms; empty streams", async () => {
    const r = rng(1);
    const m = market(r, 2, 2, 1, true);
    m.b.timestampMs.set([5, 7]);
    m.t.timestampMs.set([5, 7]);
    m.f.timestampMs.set([7]);
    expect((await chunkedMerge(m, r, 1)).events).toEqual(["t 0", "b 0", "f 0", "t 1", "b 1"]);
    expect((await chunkedMerge({ ...m, b: allocBook("X", 1, 0) }, r, 1)).events).toEqual(["t 0", "f 0", "t 1"]);
    expect((await chunkedMerge({ ...m, t: allocTrades("X", 0), f: allocFunding("X", 0) }, r, 1)).events).toEqual(["b 0", "b 1"]);
    const none = await chunkedMerge({ b: allocBook("X", 1, 0), t: allocTrades("X", 0), f: allocFunding("X", 0) }, r, 1);
    expect(none.chunks.map((c) => c.last)).toEqual([true]);
  });

  test("forEachMerged over compact columns is the same order", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = rng(seed);
      const m = market(r, Math.floor(r() * 50), Math.floor(r() * 50), 0, seed % 2 === 0);
      const got: Ev[] = [];
      forEachMerged(m.b.timestampMs, m.b.length, m.t.timestampMs, m.t.length, (i) => got.push(`b ${i}`), (j) => got.push(`t ${j}`));
      expect(got).toEqual(naiveMerge(m.b.timestampMs, m.t.timestampMs));
    }
  });

  test("memory stays bounded: chunks are views of the decoded batches", async () => {
    const r = rng(77);
    const m = market(r, 5000, 5000, 0, true);
    let chunks = 0;
    for await (const c of eventChunks(batches(m.b, sliceBook, r), batches(m.t, sliceTrades, r), null, 100)) {
      chunks++;
      const rows = c.books.reduce((a, b) => a + b.length, 0);
      expect(rows).toBeLessThanOrEqual(100);
      for (const b of c.books) expect(b.timestampMs.buffer).toBe(m.b.timestampMs.buffer);
      for (const t of c.trades) expect(t.timestampMs.buffer).toBe(m.t.timestampMs.buffer);
    }
    expect(chunks).toBeGreaterThanOrEqual(50);
  });
});
