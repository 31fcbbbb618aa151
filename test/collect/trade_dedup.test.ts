import { describe, expect, test } from "bun:test";
import { TradeDedup } from "../../src/collect/trade_dedup.ts";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const BIG = 1992214670521405446n; // real Extended id magnitude (> 2^53)

describe("TradeDedup", () => {
  test("ids above 2^53 that differ by 1 are distinct", () => {
    const d = new TradeDedup(16);
    expect(d.accept(BIG)).toBe(true);
    expect(d.accept(BIG + 1n)).toBe(true);
    expect(d.accept(BIG)).toBe(false);
    expect(d.highWater).toBe(BIG + 1n);
  });

  test("replayed, duplicated and shuffled streams are accepted exactly once (property)", () => {
    const r = rng(3);
    const n = 5000;
    const truth = Array.from({ length: n }, (_, i) => BIG + BigInt(i * 3));
    // Local shuffles (reorders within 20 positions) plus duplicates and replays of recent ids.
    const stream: bigint[] = [];
    for (let i = 0; i < n; i++) {
      stream.push(truth[i]);
      if (r() < 0.1) stream.push(truth[Math.max(0, i - Math.floor(r() * 50))]);
    }
    for (let i = 0; i < stream.length - 1; i++) {
      if (r() < 0.2) {
        const j = Math.min(stream.length - 1, i + 1 + Math.floor(r() * 20));
        [stream[i], stream[j]] = [stream[j], stream[i]];
      }
    }
    const d = new TradeDedup(256);
    const stored: bigint[] = [];
    for (const id of stream) if (d.accept(id)) stored.push(id);
    expect(stored.length).toBe(n);
    expect(new Set(stored).size).toBe(n);
  });

  test("snapshot/restore keeps exactness across a restart", () => {
    const d = new TradeDedup(100);
    for (let i = 0; i < 1000; i++) d.accept(BIG + BigInt(i));
    const snap = d.snapshot(50);
    expect(snap.ids.length).toBe(50);
    const e = new TradeDedup(100);
    e.restore(JSON.parse(JSON.stringify(snap)));
    for (let i = 0; i < 1000; i++) expect(e.accept(BIG + BigInt(i))).toBe(false);
    expect(e.accept(BIG + 1000n)).toBe(true);
    expect(e.highWater).toBe(BIG + 1000n);
  });

  test("an out-of-order id missing from the window is still accepted once", () => {
    const d = new TradeDedup(100);
    for (let i = 0; i < 50; i++) if (i !== 25) d.accept(BIG + BigInt(i));
    const e = new TradeDedup(100);
    e.restore(d.snapshot());
    expect(e.accept(BIG + 25n)).toBe(true);
    expect(e.accept(BIG + 25n)).toBe(false);
  });
});
