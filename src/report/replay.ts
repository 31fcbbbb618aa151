/**
 * The report's second look at the input, after the run (the core loop is not touched):
 * - the mid at every markout time, from one pass over the top of book (1 level read);
 * - the book gaps (each starts a warm-up, shaded in the report);
 * - for one calibration window, the book points and trades behind the intensity diagnostic.
 * Rows go through the same EventDataBuilder as the run, so validation and the mid rule match.
 */
import { EventDataBuilder } from "../sim/data.ts";
import { exactMid } from "../model/exact_price.ts";
import { bookPoint, type BookPoint } from "../model/intensity.ts";
import { openBookSource, openTradeSource, type SourceSpec } from "../storage/sources.ts";
import { MidAtTimes } from "./markouts.ts";

export interface ReplayWindow {
  fromMs?: number;
  toMs?: number;
}

/** Mids at `times` (NaN past the data) and the starts of book gaps longer than gapMs. */
export async function replayMids(books: SourceSpec, w: ReplayWindow, tickSize: number, times: Float64Array, gapMs: number): Promise<{ mids: Float64Array; gapEnds: number[] }> {
  const probe = new MidAtTimes(times);
  const b = new EventDataBuilder(0, tickSize);
  const gapEnds: number[] = [];
  let prev = NaN;
  for await (const batch of openBookSource(books, { ...w, levels: 1, seq: false })) {
    b.addBooks(batch);
    const d = b.takeChunk();
    for (let i = 0; i < d.nBooks; i++) {
      const t = d.bookTs[i]!;
      if (t - prev > gapMs) gapEnds.push(t);
      prev = t;
    }
    probe.feed(d.bookTs, d.bestBid, d.bestAsk, d.nBooks);
  }
  return { mids: probe.finish(), gapEnds };
}

/** Book points (all levels) and trades in [fromMs, toMs). */
export async function replayWindow(books: SourceSpec, trades: SourceSpec, fromMs: number, toMs: number, tickSize: number): Promise<{ points: BookPoint[]; trades: { ts: Float64Array; px: Float64Array; side: Int8Array } }> {
  const b = new EventDataBuilder(0, tickSize);
  const points: BookPoint[] = [];
  let mid = 0;
  for await (const batch of openBookSource(books, { fromMs, toMs, seq: false })) {
    b.addBooks(batch);
    const d = b.takeChunk();
    for (let i = 0; i < d.nBooks; i++) {
      const bb = d.bestBid[i]!, ba = d.bestAsk[i]!;
      mid = bb > 0 && ba > 0 ? exactMid(bb, ba) : mid; // the calibrator's exact mid (calibrate.ts)
      const p = bookPoint(d.bookTs[i]!, mid, bb, ba, d.farBid[i]!, d.farAsk[i]!);
      if (p) points.push(p);
    }
  }
  const ts: number[] = [], px: number[] = [], side: number[] = [];
  for await (const batch of openTradeSource(trades, { fromMs, toMs })) {
    b.addTrades(batch);
    const d = b.takeChunk();
    for (let i = 0; i < d.nTrades; i++) (ts.push(d.tradeTs[i]!), px.push(d.tradePx[i]!), side.push(d.tradeSide[i]!));
  }
  return { points, trades: { ts: Float64Array.from(ts), px: Float64Array.from(px), side: Int8Array.from(side) } };
}
