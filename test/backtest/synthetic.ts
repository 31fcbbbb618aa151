/**
 * Seeded random markets for differential and property tests: a tick-grid random walk with
 * locked/one-sided rows, missing levels, same-millisecond trades, unknown sides, a data gap and
 * hourly funding — everything the loop has branches for.
 */
import { EventDataBuilder, type EventData } from "../../src/sim/data.ts";
import { allocBook, allocFunding, allocTrades } from "../../src/storage/batch.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "../../src/storage/types.ts";

export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export interface SynOpts {
  seed: number;
  books?: number;
  levels?: number;
  tick?: number;
  gap?: boolean;
}

export function synMarket(o: SynOpts): { books: BookBatch; trades: TradeBatch; funding: FundingBatch } {
  const r = rng(o.seed);
  const n = o.books ?? 4000, L = o.levels ?? 10, tick = o.tick ?? 0.1;
  const books = allocBook("SYN", L, n);
  const trades = allocTrades("SYN", n * 2, true);
  let t = 1_700_000_000_000, b = 30000, nt = 0;
  for (let k = 0; k < n; k++) {
    t += 100 + Math.floor(r() * 1400);
    if (o.gap && k === Math.floor(n / 2)) t += 2_000_000;
    b += Math.floor(r() * 3) - 1;
    const locked = r() < 0.2;
    const a = locked ? b : b + 1 + Math.floor(r() * 2);
    books.timestampMs[k] = t;
    const oneSided = r() < 0.01;
    for (let l = 0; l < L; l++) {
      if (!(oneSided && l >= 0 && k % 2 === 0) && r() > 0.05) {
        books.bidPx[l]![k] = (b - l) * tick;
        books.bidQty[l]![k] = Math.round(r() * 50) / 10 + 0.1;
      }
      if (!(oneSided && k % 2 === 1) && r() > 0.05) {
        books.askPx[l]![k] = (a + l) * tick;
        books.askQty[l]![k] = Math.round(r() * 50) / 10 + 0.1;
      }
    }
    // make level 0 present unless the row is deliberately one-sided
    if (!oneSided) {
      books.bidPx[0]![k] = b * tick;
      books.askPx[0]![k] = a * tick;
      books.bidQty[0]![k] ||= 1;
      books.askQty[0]![k] ||= 1;
    }
    const m = r() < 0.7 ? 1 : 2;
    for (let j = 0; j < m; j++) {
      const same = r() < 0.15;
      const ts = same ? t : t + 1 + Math.floor(r() * 90);
      const u = r();
      const side = u < 0.45 ? 1 : u < 0.9 ? -1 : 0;
      const off = Math.floor(r() * 5) - 1;
      const px = side >= 0 ? (a + off) * tick : (b - off) * tick;
      trades.timestampMs[nt] = ts;
      trades.price[nt] = Number(px.toFixed(8));
      trades.quantity[nt] = Math.round(r() * 30) / 10 + 0.05;
      trades.side[nt] = side;
      trades.tradeId![nt] = BigInt(nt);
      nt++;
    }
  }
  // trades must be time-sorted: same-ms trades were placed at the book ts, others after it
  const order = Array.from({ length: nt }, (_, i) => i).sort((x, y) => trades.timestampMs[x]! - trades.timestampMs[y]! || x - y);
  const sorted = allocTrades("SYN", nt, true);
  order.forEach((src, i) => {
    sorted.timestampMs[i] = trades.timestampMs[src]!;
    sorted.price[i] = trades.price[src]!;
    sorted.quantity[i] = trades.quantity[src]!;
    sorted.side[i] = trades.side[src]!;
    sorted.tradeId![i] = BigInt(i);
  });
  const first = books.timestampMs[0]!, last = books.timestampMs[n - 1]!;
  const nf = Math.max(0, Math.floor((last - first) / 3_600_000));
  const funding = allocFunding("SYN", nf);
  for (let i = 0; i < nf; i++) {
    funding.timestampMs[i] = first + (i + 1) * 3_600_000;
    funding.fundingRate[i] = (r() - 0.4) * 1e-4;
  }
  return { books, trades: sorted, funding };
}

export function synData(o: SynOpts & { keepLevels?: number }): EventData {
  const m = synMarket(o);
  const b = new EventDataBuilder(o.keepLevels ?? (o.levels ?? 10), o.tick ?? 0.1);
  b.addBooks(m.books);
  b.addTrades(m.trades);
  b.addFunding(m.funding);
  return b.build();
}

/** The synthetic market (0.1 grid, no funding) encoded for a coarser quote tick: levels between two of our ticks. */
export function synOffGrid(seed: number, tick: number, books = 3000): EventData {
  const m = synMarket({ seed, books });
  const b = new EventDataBuilder(10, tick);
  b.addBooks(m.books);
  b.addTrades(m.trades);
  return b.build();
}
