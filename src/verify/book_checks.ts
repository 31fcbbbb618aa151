import { bookFeatures } from "../core/book_features.ts";
import type { BookBatch } from "../storage/types.ts";
import type { Tally } from "./tally.ts";

/**
 * Content checks of order-book rows, streamed part by part in file order. Pure: batches in,
 * counts out. Each check compares a row with the previous accepted row (so one injected defect
 * is counted once), and a duplicate row is reported as such and skipped by every other check.
 */

export interface Outage {
  startMs: number;
  endMs: number;
  durationS: number;
  /** File and row of the first row after the outage. */
  file: string;
  row: number;
}

/** Best bid/ask over time (book rows in timestamp order), for the trade checks. */
export interface BookTimeline {
  length: number;
  ts: Float64Array;
  bestBid: Float64Array;
  bestAsk: Float64Array;
  /** Rows further apart than this are not one covered stretch. */
  gapMs: number;
}

export interface BookSummary {
  rows: number;
  firstMs: number;
  lastMs: number;
  outages: Outage[];
  timeline: BookTimeline;
}

const MAX_OUTAGES_LISTED = 1000;
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

class Growable {
  data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export class BookChecker {
  private prevTs = NaN;
  private prevSeq = NaN;
  private rows = 0;
  private firstMs = Infinity;
  private lastMs = -Infinity;
  private outOfOrder = false;
  /** timestamp → seq(s) seen, for duplicates anywhere in the stream (not only adjacent). */
  private readonly seen = new Map<number, number | number[]>();
  private readonly outages: Outage[] = [];
  private readonly ts = new Growable();
  private readonly bid = new Growable();
  private readonly ask = new Growable();

  constructor(
    private readonly tally: Tally,
    private readonly gapMs: number,
  ) {}

  push(b: BookBatch, file: string, firstRow = 0): void {
    const t = this.tally;
    const L = b.levels;
    // best usable price and its size per row (NaN for a skipped duplicate or a missing side), for
    // the crossed/locked checks, which read the WASM kernel's spread (ask − bid) after the loop
    const top = { bidPx: new Float64Array(b.length).fill(NaN), bidQty: new Float64Array(b.length), askPx: new Float64Array(b.length).fill(NaN), askQty: new Float64Array(b.length) };
    for (let r = 0; r < b.length; r++) {
      const row = firstRow + r;
      const ts = b.timestampMs[r];
      const seq = Number(b.seq[r]);
      this.rows++;

      if (this.isDuplicate(ts, seq)) {
        t.add("book_duplicate", file, row, () => `ts ${ts} (${iso(ts)}) seq ${seq} already seen`);
        continue;
      }

      // ---- sequence and time ----
      const prevSeq = this.prevSeq;
      const prevTs = this.prevTs;
      if (prevSeq === prevSeq) {
        if (seq > prevSeq + 1) t.add("seq_gap", file, row, () => `expected seq ${prevSeq + 1}, got ${seq} (${seq - prevSeq - 1} missing)`);
        // every connection's first SNAPSHOT is seq 1: a restart at 1 with time moving on is a reconnect
        else if (seq <= 1 && ts >= prevTs) t.add("seq_reset", file, row, () => `seq ${seq} after ${prevSeq}: a new connection`);
        else if (seq <= prevSeq) t.add("seq_regression", file, row, () => `seq ${seq} after ${prevSeq}`);
      }
      if (prevTs === prevTs) {
        if (ts < prevTs) {
          this.outOfOrder = true;
          t.add("book_ts_regression", file, row, () => `ts ${ts} (${iso(ts)}) after ${prevTs} (${iso(prevTs)}), ${prevTs - ts} ms back`);
        } else if (ts - prevTs > this.gapMs) {
          t.add("outage", file, row, () => `no book row from ${iso(prevTs)} to ${iso(ts)} (${((ts - prevTs) / 1000).toFixed(1)} s)`);
          if (this.outages.length < MAX_OUTAGES_LISTED) {
            this.outages.push({ startMs: prevTs, endMs: ts, durationS: (ts - prevTs) / 1000, file, row });
          }
        }
      }
      this.prevSeq = seq;
      this.prevTs = ts;
      if (ts < this.firstMs) this.firstMs = ts;
      if (ts > this.lastMs) this.lastMs = ts;

      // ---- levels ----
      let bad = -1; // first offending level (bids 0..L-1, asks L..2L-1)
      let hole = -1;
      let bidDisorder = -1;
      let askDisorder = -1;
      let bestBid = NaN;
      let bestAsk = NaN;
      for (let side = 0; side < 2; side++) {
        const px = side === 0 ? b.bidPx : b.askPx;
        const qty = side === 0 ? b.bidQty : b.askQty;
        let sawEmpty = false;
        let last = NaN;
        for (let i = 0; i < L; i++) {
          const p = px[i][r];
          const q = qty[i][r];
          const empty = p !== p && q !== q;
          if (empty) {
            sawEmpty = true;
            continue;
          }
          if (sawEmpty && hole < 0) hole = side * L + i;
          if (!(p > 0) || !(q > 0)) {
            if (bad < 0) bad = side * L + i;
            if (!(p > 0)) continue; // an unusable price takes no part in the ordering
          }
          if (last === last) {
            if (side === 0 && p >= last && bidDisorder < 0) bidDisorder = i;
            if (side === 1 && p <= last && askDisorder < 0) askDisorder = i;
          } else if (side === 0) {
            bestBid = p;
            top.bidQty[r] = q;
          } else {
            bestAsk = p;
            top.askQty[r] = q;
          }
          last = p;
        }
      }
      const lvl = (k: number) => `${k < L ? "bid" : "ask"} level ${k % L}`;
      if (bad >= 0) {
        t.add("book_bad_value", file, row, () => {
          const side = bad < L ? 0 : 1;
          const i = bad % L;
          const p = (side === 0 ? b.bidPx : b.askPx)[i][r];
          const q = (side === 0 ? b.bidQty : b.askQty)[i][r];
          return `${lvl(bad)}: price ${p}, size ${q}`;
        });
      }
      if (hole >= 0) t.add("book_hole", file, row, () => `${lvl(hole)} present after an empty level`);
      if (bidDisorder >= 0) {
        t.add("bid_order", file, row, () => `bid level ${bidDisorder} price ${b.bidPx[bidDisorder][r]} not below the level before it`);
      }
      if (askDisorder >= 0) {
        t.add("ask_order", file, row, () => `ask level ${askDisorder} price ${b.askPx[askDisorder][r]} not above the level before it`);
      }
      top.bidPx[r] = bestBid;
      top.askPx[r] = bestAsk;

      this.ts.push(ts);
      this.bid.push(bestBid);
      this.ask.push(bestAsk);
    }
    // spread is NaN unless both sides have a positive price, so a one-sided row is neither
    const { spread } = bookFeatures(top);
    for (let r = 0; r < b.length; r++) {
      const s = spread[r];
      if (s < 0) t.add("crossed", file, firstRow + r, () => `best bid ${top.bidPx[r]} > best ask ${top.askPx[r]}`);
      else if (s === 0) t.add("locked", file, firstRow + r, () => `best bid = best ask = ${top.bidPx[r]}`);
    }
  }

  private isDuplicate(ts: number, seq: number): boolean {
    const got = this.seen.get(ts);
    if (got === undefined) {
      this.seen.set(ts, seq);
      return false;
    }
    if (typeof got === "number") {
      if (got === seq) return true;
      this.seen.set(ts, [got, seq]);
      return false;
    }
    if (got.includes(seq)) return true;
    got.push(seq);
    return false;
  }

  finish(): BookSummary {
    let ts = this.ts.view();
    let bid = this.bid.view();
    let ask = this.ask.view();
    if (this.outOfOrder) {
      // Trades are looked up by time, so the timeline must be sorted (stable: equal times keep file order).
      const idx = Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
      const [t2, b2, a2] = [new Float64Array(ts.length), new Float64Array(ts.length), new Float64Array(ts.length)];
      idx.forEach((j, i) => ((t2[i] = ts[j]), (b2[i] = bid[j]), (a2[i] = ask[j])));
      [ts, bid, ask] = [t2, b2, a2];
    }
    return {
      rows: this.rows,
      firstMs: this.rows ? this.firstMs : NaN,
      lastMs: this.rows ? this.lastMs : NaN,
      outages: this.outages,
      timeline: { length: ts.length, ts, bestBid: bid, bestAsk: ask, gapMs: this.gapMs },
    };
  }
}
