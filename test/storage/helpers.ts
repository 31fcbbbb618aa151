// Shared fixtures for storage (and exchange) tests: a seeded PRNG, random batches, error capture.
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { join } from "node:path";

export const FIXTURES = join(import.meta.dir, "../fixtures");

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random book with missing levels (NaN), zero values, sorted timestamps. */
export function randomBook(r: () => number, n: number, levels: number, market = "BTC-USD", t0 = 1_767_000_000_000): BookBatch {
  const b = allocBook(market, levels, n);
  let t = t0;
  for (let k = 0; k < n; k++) {
    t += Math.floor(r() * 300);
    b.timestampMs[k] = t;
    b.seq[k] = BigInt(k + 1) * 7n;
    const mid = 90_000 + r() * 1000;
    for (let i = 0; i < levels; i++) {
      const miss = r() < 0.1;
      b.bidPx[i][k] = miss ? NaN : Math.round((mid - 0.1 * (i + 1)) * 10) / 10;
      b.bidQty[i][k] = miss ? NaN : r() < 0.02 ? 0 : Math.round(r() * 1e4) / 1e3;
      b.askPx[i][k] = r() < 0.1 ? NaN : r() < 0.02 ? 0 : Math.round((mid + 0.1 * (i + 1)) * 10) / 10;
      b.askQty[i][k] = Math.round(r() * 1e4) / 1e3;
    }
  }
  return b;
}

export function randomTrades(r: () => number, n: number, market = "BTC-USD", t0 = 1_767_000_000_000): TradeBatch {
  const t = allocTrades(market, n, true);
  let ts = t0;
  for (let k = 0; k < n; k++) {
    ts += Math.floor(r() * 500);
    t.timestampMs[k] = ts;
    t.price[k] = 90_000 + Math.round(r() * 1e5) / 100;
    t.quantity[k] = Math.round(r() * 1e5) / 1e4 + 0.0001;
    t.side[k] = [1, -1, 0][Math.floor(r() * 3)];
    // ids around 2^63 - 1 and above 2^53: must survive exactly
    t.tradeId![k] = 9_223_372_036_854_775_807n - BigInt(Math.floor(r() * 1e9));
    t.tradeType[k] = Math.floor(r() * 4);
  }
  return t;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}
