import type { TradeBatch } from "../storage/types.ts";
import type { BookTimeline } from "./book_checks.ts";
import type { Tally } from "./tally.ts";

/**
 * Content checks of trades, streamed in file order against the finished book timeline. A trade
 * sees the book as it was strictly before its millisecond (the event merge puts a trade before a
 * book row with the same timestamp).
 */

export interface TradeSummary {
  rows: number;
  /** False when the source has no trade ids (original Rust files): the duplicate check did not run. */
  idsChecked: boolean;
}

/** Index of the last timeline row with ts < t (strict), or -1. */
function lastBefore(tl: BookTimeline, t: number): number {
  let lo = 0;
  let hi = tl.length; // first index with ts >= t
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tl.ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * A trade is covered when it falls inside a stretch of book rows no further apart than the
 * outage threshold (both ends inclusive).
 */
export function isCovered(tl: BookTimeline, t: number): boolean {
  const i = lastBefore(tl, t);
  const j = i + 1;
  if (j < tl.length && tl.ts[j] === t) return true;
  if (i < 0 || j >= tl.length) return false;
  return tl.ts[j] - tl.ts[i] <= tl.gapMs;
}

export class TradeChecker {
  private prevTs = NaN;
  private rows = 0;
  private idsChecked = true;
  private readonly ids = new Set<bigint>();

  constructor(
    private readonly tally: Tally,
    private readonly timeline: BookTimeline,
    /** Allowed distance outside [best bid, best ask], in basis points of that price. */
    private readonly toleranceBps: number,
    /** False when no order book was given at all: coverage and price checks would flag every trade. */
    private readonly withBook = true,
  ) {}

  push(b: TradeBatch, file: string, firstRow = 0): void {
    const t = this.tally;
    const tl = this.timeline;
    const tol = this.toleranceBps / 10_000;
    if (!b.tradeId) this.idsChecked = false;
    for (let r = 0; r < b.length; r++) {
      const row = firstRow + r;
      const ts = b.timestampMs[r];
      const px = b.price[r];
      const qty = b.quantity[r];
      this.rows++;
      if (b.tradeId) {
        const id = b.tradeId[r];
        if (this.ids.has(id)) {
          t.add("trade_duplicate_id", file, row, () => `trade id ${id} already seen`);
          continue;
        }
        this.ids.add(id);
      }
      const prevTs = this.prevTs;
      if (ts < prevTs) t.add("trade_ts_regression", file, row, () => `ts ${ts} after ${prevTs} (${prevTs - ts} ms back)`);
      this.prevTs = ts;
      if (!(px > 0) || !(qty > 0)) {
        t.add("trade_bad_value", file, row, () => `price ${px}, size ${qty}`);
        continue;
      }
      if (!this.withBook) continue;
      if (!isCovered(tl, ts)) {
        t.add("trade_uncovered", file, row, () => `trade at ${new Date(ts).toISOString()} has no book around it`);
        continue;
      }
      const i = lastBefore(tl, ts);
      if (i < 0) continue; // covered by a book row at the same ms, but no earlier book: nothing to compare with
      const bid = tl.bestBid[i];
      const ask = tl.bestAsk[i];
      if ((bid === bid && px < bid * (1 - tol)) || (ask === ask && px > ask * (1 + tol))) {
        t.add("trade_off_book", file, row, () => {
          const off = px < bid ? ((bid - px) / bid) * 1e4 : ((px - ask) / ask) * 1e4;
          return `price ${px} vs book ${bid} / ${ask} (${off.toFixed(1)} bps outside)`;
        });
      }
    }
  }

  finish(): TradeSummary {
    return { rows: this.rows, idsChecked: this.idsChecked };
  }
}
