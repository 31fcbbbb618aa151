/**
 * A seeded deep book for the top-N test: 2,500 levels a side, where every row consumes the best
 * levels of one side (a sweep), so levels from far below move into the top 20 without ever being
 * sent again; sizes change at random depths and new levels appear inside the spread. A recorder
 * that keeps only the levels it writes cannot know what moves up.
 */
import { seededRandom } from "../../src/model/prng.ts";
import { allocBook } from "../../src/storage/batch.ts";
import type { BookBatch } from "../../src/storage/types.ts";

export const TICK = 0.5;
const LOT = 1000; // sizes in thousandths

interface Level {
  ticks: number;
  units: number;
}

export interface DeepBook {
  book: BookBatch;
  /** Top `n` of row r as [bidPx, bidQty, askPx, askQty] per level (NaN where absent). */
  top(r: number, n: number): number[][];
  /** Rows whose top 20 holds a price that was below level 20 in the row before. */
  promotedRows: number;
}

export function deepBook(market: string, rows: number, levels: number, seed: number, t0: number, stepMs: number): DeepBook {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const mid = 100_000; // ticks
  let bids: Level[] = Array.from({ length: levels }, (_, k) => ({ ticks: mid - 1 - k, units: 1 + int(5000) }));
  let asks: Level[] = Array.from({ length: levels }, (_, k) => ({ ticks: mid + 1 + k, units: 1 + int(5000) }));
  const snaps: [Level[], Level[]][] = [];
  let promotedRows = 0;
  for (let r = 0; r < rows; r++) {
    if (r > 0) {
      const before = new Set([...bids.slice(20), ...asks.slice(20)].map((l) => l.ticks));
      // a sweep consumes the best 1–4 levels of one side
      const eat = 1 + int(4);
      if (rnd() < 0.5) bids = bids.slice(eat);
      else asks = asks.slice(eat);
      // size changes anywhere in the book (a level reaching zero is gone)
      for (let k = 0; k < 6; k++) {
        const side = rnd() < 0.5 ? bids : asks;
        const l = side[int(side.length)];
        l.units = Math.max(0, l.units + int(2001) - 1000);
      }
      bids = bids.filter((l) => l.units > 0);
      asks = asks.filter((l) => l.units > 0);
      // new quotes inside the spread, never crossing
      if (rnd() < 0.6 && asks[0].ticks - bids[0].ticks > 1) {
        if (rnd() < 0.5) bids.unshift({ ticks: bids[0].ticks + 1, units: 1 + int(5000) });
        else asks.unshift({ ticks: asks[0].ticks - 1, units: 1 + int(5000) });
      }
      if ([...bids.slice(0, 20), ...asks.slice(0, 20)].some((l) => before.has(l.ticks))) promotedRows++;
    }
    snaps.push([bids.map((l) => ({ ...l })), asks.map((l) => ({ ...l }))]);
  }
  const depth = Math.max(...snaps.map(([b, a]) => Math.max(b.length, a.length)));
  const book = allocBook(market, depth, rows);
  for (let r = 0; r < rows; r++) {
    book.timestampMs[r] = t0 + r * stepMs;
    book.seq[r] = BigInt(r + 1);
    const [b, a] = snaps[r];
    for (let i = 0; i < depth; i++) {
      book.bidPx[i][r] = i < b.length ? b[i].ticks * TICK : NaN;
      book.bidQty[i][r] = i < b.length ? b[i].units / LOT : NaN;
      book.askPx[i][r] = i < a.length ? a[i].ticks * TICK : NaN;
      book.askQty[i][r] = i < a.length ? a[i].units / LOT : NaN;
    }
  }
  return {
    book,
    promotedRows,
    top: (r, n) => Array.from({ length: n }, (_, i) => [book.bidPx[i][r], book.bidQty[i][r], book.askPx[i][r], book.askQty[i][r]]),
  };
}
