/**
 * The one time-merge of order-book rows and trades, shared by backtest, calculate_spread and
 * verify. Streaming, bounded memory (one book batch + one trade batch at a time), zero-copy chunks.
 *
 * CONTRACT
 * The global event order is the original loader's two-cursor merge (docs/original.md §3.15):
 *   with heads B (next book row) and T (next trade): emit T if T.ts <= B.ts, else B;
 *   when one stream is exhausted, emit the rest of the other in stored order.
 * So on equal milliseconds the TRADE comes first. No global sort and no dedup: each stream is
 * taken in its stored order (if a stream is not time-sorted the merge is still well defined — the
 * two-cursor rule — just not chronological; callers that care can count regressions).
 *
 * `mergeChunks(books, trades)` yields `{ book, trades }` chunks (views into the source batches).
 * Processing every chunk, in order, with the same two-cursor rule — `forEachEvent` does exactly
 * that — reproduces the global order exactly. This holds because each chunk is a contiguous
 * segment of the global event sequence: inside a segment the cursor decisions compare the same
 * heads as the global merge, and the segment ends where one of its two inputs runs out.
 * Either side of a chunk may be empty (length 0), never both.
 *
 *   for await (const c of mergeChunks(openBookSource(s), openTradeSource(s))) {
 *     forEachEvent(c, (i) => onBook(c.book, i), (j) => onTrade(c.trades, j));
 *     // or a hand-written loop: i=0,j=0; while (i<nb||j<nt) if (j<nt && (i>=nb || tt[j] <= bt[i])) trade j++ else book i++
 *   }
 */
import { sliceBook, sliceTrades } from "./batch.ts";
import type { BookBatch, TradeBatch } from "./types.ts";

export interface MergeChunk {
  book: BookBatch;
  trades: TradeBatch;
}

/** Pulls non-empty batches from an async iterable. */
class Cursor<T extends { length: number }> {
  batch: T | null = null;
  pos = 0;
  done = false;
  private readonly it: AsyncIterator<T>;
  constructor(src: AsyncIterable<T>) {
    this.it = src[Symbol.asyncIterator]();
  }
  /** Ensures `batch` has rows left unless the source is exhausted. */
  async fill(): Promise<void> {
    while (!this.done && (this.batch === null || this.pos >= this.batch.length)) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.batch = null;
      } else {
        this.batch = r.value;
        this.pos = 0;
      }
    }
  }
  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

export async function* mergeChunks(books: AsyncIterable<BookBatch>, trades: AsyncIterable<TradeBatch>): AsyncGenerator<MergeChunk> {
  const bc = new Cursor(books);
  const tc = new Cursor(trades);
  let emptyBook: BookBatch | null = null;
  let emptyTrades: TradeBatch | null = null;
  try {
    for (;;) {
      await bc.fill();
      await tc.fill();
      const B = bc.batch;
      const T = tc.batch;
      if (B === null && T === null) return;
      if (B) emptyBook ??= sliceBook(B, 0, 0);
      if (T) emptyTrades ??= sliceTrades(T, 0, 0);
      if (T === null) {
        yield { book: sliceBook(B!, bc.pos, B!.length), trades: emptyTrades ?? noTrades(B!.market) };
        bc.pos = B!.length;
        continue;
      }
      if (B === null) {
        yield { book: emptyBook ?? noBook(T.market), trades: sliceTrades(T, tc.pos, T.length) };
        tc.pos = T.length;
        continue;
      }
      // advance both cursors by the merge rule until one batch runs out: that is the chunk
      const bt = B.timestampMs;
      const tt = T.timestampMs;
      let i = bc.pos;
      let j = tc.pos;
      const nb = B.length;
      const nt = T.length;
      while (i < nb && j < nt) {
        if (tt[j] <= bt[i]) j++;
        else i++;
      }
      yield { book: sliceBook(B, bc.pos, i), trades: sliceTrades(T, tc.pos, j) };
      bc.pos = i;
      tc.pos = j;
    }
  } finally {
    await bc.close();
    await tc.close();
  }
}

/** Visits one chunk's events in merged order: trade j before book row i when trades.ts[j] <= book.ts[i]. */
export function forEachEvent(chunk: MergeChunk, onBook: (i: number) => void, onTrade: (j: number) => void): void {
  const bt = chunk.book.timestampMs;
  const tt = chunk.trades.timestampMs;
  const nb = chunk.book.length;
  const nt = chunk.trades.length;
  let i = 0;
  let j = 0;
  while (i < nb || j < nt) {
    if (j < nt && (i >= nb || tt[j] <= bt[i])) onTrade(j++);
    else onBook(i++);
  }
}

function noBook(market: string): BookBatch {
  return { market, length: 0, levels: 0, timestampMs: new Float64Array(0), seq: new BigInt64Array(0), bidPx: [], bidQty: [], askPx: [], askQty: [] };
}

function noTrades(market: string): TradeBatch {
  return {
    market,
    length: 0,
    timestampMs: new Float64Array(0),
    price: new Float64Array(0),
    quantity: new Float64Array(0),
    side: new Int8Array(0),
    tradeId: null,
    tradeType: new Uint8Array(0),
  };
}
