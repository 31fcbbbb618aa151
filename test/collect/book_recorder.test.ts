import { describe, expect, test } from "bun:test";
import { BookRecorder } from "../../src/collect/book_recorder.ts";
import { encodeOrderbookMessage } from "../../src/exchange/encode.ts";
import type { Level } from "../../src/exchange/messages.ts";
import { allocBook } from "../../src/storage/batch.ts";
import { setLogLevel } from "../../src/log.ts";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const M = "BTC-USD";

function harness(levels = 5, minIntervalMs = 0, pxDec = 1, qtyDec = 4) {
  const sink = {
    batch: allocBook(M, levels, 100_000),
    n: 0,
    commit() {
      this.n++;
      return false;
    },
  };
  const events = { resub: [] as string[], live: 0 };
  const rec = new BookRecorder(M, levels, minIntervalMs, pxDec, qtyDec, sink, {
    resubscribe: (r) => events.resub.push(r),
    full: () => {},
    live: () => events.live++,
  });
  return { sink, rec, events };
}

const frame = (type: "SNAPSHOT" | "DELTA", seq: number, bids: Level[], asks: Level[], ts = 1_700_000_000_000 + seq * 100) =>
  encodeOrderbookMessage({ ts, type, market: M, seq, bids, asks });

/** Row r of the sink as [[bidPx,bidQty]...], [[askPx,askQty]...] without NaN levels. */
function rowOf(sink: ReturnType<typeof harness>["sink"], r: number) {
  const b = sink.batch;
  const side = (px: Float64Array[], q: Float64Array[]) =>
    px.map((a, i) => [a[r], q[i][r]]).filter(([p]) => !Number.isNaN(p));
  return { bids: side(b.bidPx, b.bidQty), asks: side(b.askPx, b.askQty), seq: b.seq[r], ts: b.timestampMs[r] };
}

setLogLevel("silent");

describe("BookRecorder", () => {
  test("differential: random snapshots/deltas (q and c) give the reference top-N, with no ghost levels", () => {
    const r = rng(42);
    const { sink, rec, events } = harness(5);
    // Reference book in integer units (price 0.1, qty 0.0001).
    let bids = new Map<number, number>();
    let asks = new Map<number, number>();
    const fmt = (u: number, d: number) => (u / 10 ** d).toFixed(d);
    const snapshot = (seq: number) => {
      bids = new Map();
      asks = new Map();
      for (let i = 0; i < 12; i++) {
        bids.set(9000 - i * 2 - Math.floor(r() * 2), 1 + Math.floor(r() * 5000));
        asks.set(9001 + i * 2 + Math.floor(r() * 2), 1 + Math.floor(r() * 5000));
      }
      const lv = (m: Map<number, number>) => [...m].map(([p, q]) => ({ p: fmt(p, 1), q: fmt(q, 4) }));
      rec.onFrame(frame("SNAPSHOT", seq, lv(bids), lv(asks)), 0);
    };
    snapshot(1);
    let seq = 1;
    for (let k = 0; k < 3000; k++) {
      seq++;
      if (r() < 0.02) {
        snapshot(seq);
        continue;
      }
      const b: Level[] = [];
      const a: Level[] = [];
      for (let j = 0; j < 3; j++) {
        const isBid = r() < 0.5;
        const m = isBid ? bids : asks;
        // Keep the book uncrossed: bids ≤ 9000, asks ≥ 9001.
        const p = isBid ? 9000 - Math.floor(r() * 30) : 9001 + Math.floor(r() * 30);
        if ((isBid ? b : a).some((l) => l.p === fmt(p, 1))) continue;
        const cur = m.get(p) ?? 0;
        let lvl: Level;
        if (r() < 0.3) {
          const c = r() < 0.3 ? 0 : Math.floor(r() * 3000);
          lvl = { p: fmt(p, 1), q: fmt(c - cur, 4), c: fmt(c, 4) };
          if (c > 0) m.set(p, c);
          else m.delete(p);
        } else {
          const dq = cur > 0 && r() < 0.4 ? -cur : Math.floor(r() * 2000) - 500;
          lvl = { p: fmt(p, 1), q: fmt(dq, 4) };
          if (cur + dq > 0) m.set(p, cur + dq);
          else m.delete(p);
        }
        (isBid ? b : a).push(lvl);
      }
      rec.onFrame(frame("DELTA", seq, b, a), 0);
      const want = {
        bids: [...bids].sort((x, y) => y[0] - x[0]).slice(0, 5).map(([p, q]) => [p / 10, q / 1e4]),
        asks: [...asks].sort((x, y) => x[0] - y[0]).slice(0, 5).map(([p, q]) => [p / 10, q / 1e4]),
      };
      const got = rowOf(sink, sink.n - 1);
      expect(got.seq).toBe(BigInt(seq));
      expect(got.bids).toEqual(want.bids);
      expect(got.asks).toEqual(want.asks);
    }
    expect(events.resub).toEqual([]);
    expect(sink.n).toBe(3001); // first snapshot + 3000 updates
    expect(rec.book.bids.n).toBe(bids.size); // full depth held, not only top 5
    expect(rec.book.asks.n).toBe(asks.size);
  });

  test("a SNAPSHOT replaces the whole book (no ghost levels, bug §9.1-1)", () => {
    const { sink, rec } = harness(3);
    rec.onFrame(frame("SNAPSHOT", 1, [{ p: "100", q: "1" }, { p: "99", q: "2" }], [{ p: "101", q: "1" }]), 0);
    rec.onFrame(frame("SNAPSHOT", 2, [{ p: "98", q: "3" }], [{ p: "102", q: "4" }]), 0);
    expect(rowOf(sink, 1)).toMatchObject({ bids: [[98, 3]], asks: [[102, 4]] });
  });

  test("seq gap → resubscribe, no row; stale seq ignored; then a fresh snapshot is required", () => {
    const { sink, rec, events } = harness(3);
    rec.onFrame(frame("SNAPSHOT", 10, [{ p: "100", q: "1" }], [{ p: "101", q: "1" }]), 0);
    rec.onFrame(frame("DELTA", 11, [{ p: "100", q: "1" }], []), 0);
    rec.onFrame(frame("DELTA", 11, [{ p: "100", q: "5" }], []), 0); // stale (duplicate)
    rec.onFrame(frame("DELTA", 9, [{ p: "100", q: "5" }], []), 0); // stale (old)
    expect(rec.stale).toBe(2);
    expect(rowOf(sink, 1).bids).toEqual([[100, 2]]);
    rec.onFrame(frame("DELTA", 13, [{ p: "100", q: "1" }], []), 0);
    expect(events.resub).toEqual(["seq gap: expected 12, got 13"]);
    expect(sink.n).toBe(2);
    rec.onFrame(frame("DELTA", 14, [{ p: "100", q: "1" }], []), 0); // before a snapshot: skipped
    expect(sink.n).toBe(2);
    expect(rec.bad.total).toBe(1);
    rec.onFrame(frame("SNAPSHOT", 1, [{ p: "100", q: "7" }], [{ p: "101", q: "1" }]), 0); // new connection numbering
    expect(rowOf(sink, 2)).toMatchObject({ bids: [[100, 7]], seq: 1n });
  });

  test("crossed after a delta → resubscribe; locked is kept", () => {
    const { sink, rec, events } = harness(3);
    rec.onFrame(frame("SNAPSHOT", 1, [{ p: "100", q: "1" }], [{ p: "101", q: "1" }]), 0);
    rec.onFrame(frame("DELTA", 2, [{ p: "101", q: "1" }], []), 0); // locked
    expect(events.resub).toEqual([]);
    expect(sink.n).toBe(2);
    rec.onFrame(frame("DELTA", 3, [{ p: "102", q: "1" }], []), 0); // crossed
    expect(events.resub.length).toBe(1);
    expect(events.resub[0]).toContain("crossed");
    expect(sink.n).toBe(2);
  });

  test("a value finer than the announced step rescales exactly instead of rounding", () => {
    const { sink, rec } = harness(2, 0, 1, 2);
    rec.onFrame(frame("SNAPSHOT", 1, [{ p: "100.5", q: "1.25" }], [{ p: "101", q: "0.5" }]), 0);
    rec.onFrame(frame("DELTA", 2, [{ p: "100.55", q: "0.00001" }], [{ p: "101", q: "-0.49999" }]), 0);
    rec.onFrame(frame("DELTA", 3, [], [{ p: "101", q: "-0.00001" }]), 0); // back to exactly zero
    expect(rowOf(sink, 1)).toMatchObject({ bids: [[100.55, 0.00001], [100.5, 1.25]], asks: [[101, 0.00001]] });
    expect(rowOf(sink, 2).asks).toEqual([]);
    expect(rec.book.asks.n).toBe(0);
  });

  test("orderbook_min_interval_ms thins rows but the book still follows every update", () => {
    const { sink, rec } = harness(1, 1000);
    rec.onFrame(frame("SNAPSHOT", 1, [{ p: "100", q: "1" }], [{ p: "101", q: "1" }], 0), 0);
    for (let s = 2; s <= 30; s++) rec.onFrame(frame("DELTA", s, [{ p: "100", q: "1" }], [], s * 100), 0);
    expect(sink.n).toBe(4);
    expect(Array.from(sink.batch.timestampMs.subarray(0, 4))).toEqual([0, 1000, 2000, 3000]);
    expect(rec.qty.toNumber(rec.book.bids.qty[0])).toBe(30);
  });

  test("bad frames are each rejected without touching the book; a flood asks for a reconnect", () => {
    const { sink, rec, events } = harness(2);
    rec.onFrame(frame("SNAPSHOT", 1, [{ p: "100", q: "1" }], [{ p: "101", q: "1" }]), 0);
    const bad = [
      "{not json",
      '{"ts":1,"type":"DELTA","data":{"m":"BTC-USD","b":[{"p":"100","q":"1"}]},"seq":"2"}', // wrong type
      '{"ts":1,"type":"DELTA","data":{"m":"BTC-USD","b":[{"p":"100"}]},"seq":2}', // missing q
      '{"ts":1,"type":"SNAPSHOT","data":{"m":"BTC-USD","b":[{"p":"100","q":"-1"}],"a":[]},"seq":2}', // negative size
      '{"ts":1,"type":"HEARTBEAT","data":{"m":"BTC-USD"},"seq":2}', // unknown type
      '{"ts":1,"type":"DELTA","data":{"m":"ETH-USD","b":[{"p":"100","q":"1"}]},"seq":2}', // other market
      '{"ts":1,"type":"DELTA","data":{"m":"BTC-USD","b":[{"p":"100","q":"1"},{"p":"x","q":"1"}]},"seq":2}', // half bad
      "[]",
      "",
    ];
    for (const t of bad) rec.onFrame(t, 0);
    expect(rec.bad.total).toBe(bad.length);
    expect(sink.n).toBe(1);
    expect(rec.qty.toNumber(rec.book.bids.qty[0])).toBe(1); // nothing half-applied
    rec.onFrame(frame("DELTA", 2, [{ p: "100", q: "1" }], []), 0);
    expect(sink.n).toBe(2);
    for (let i = 0; i < 25; i++) rec.onFrame("garbage", 0);
    expect(events.resub.length).toBe(1);
    expect(events.resub[0]).toContain("bad frames");
  });
});
