/**
 * THE event stream of a market: book rows, trades and funding prints over a time window, cut into
 * chunks by time. Backtest, sweep and calculate_spread read market data only through here, and the
 * tie rule below is stated nowhere else in TypeScript (the WASM loop restates it in AssemblyScript,
 * held to the reference by the differential tests).
 *
 * EVENT ORDER (docs/original.md §3.15, the original loader's merge)
 *   Events are taken in time order; on equal milliseconds funding comes first, then trades, then
 *   book rows. So every trade is measured against the book strictly before it.
 *   Each stream keeps its stored order (no sort, no dedup). When a stream is not time-sorted the
 *   order is still well defined — the cursor rule of `tradeBeforeBook` over the two heads, as the
 *   original's two-cursor merge — just not chronological.
 *
 * CHUNKS
 *   Chunk k holds, of each stream, the leading rows (not yet taken) with timestamp < Tₖ, where Tₖ is
 *   the time of the book row `chunkRows` ahead (Infinity for the last chunk). Processing the chunks
 *   in order, each with the event order above (`forEachEvent`), gives exactly the order of one pass
 *   over the whole data: at a cut, the rows left in a chunk are all < Tₖ and the next rows of every
 *   stream are ≥ Tₖ (or absent), so the global merge takes the chunk's rows first too.
 *   A chunk's columns are zero-copy views of the decoded batches, valid while the chunk is used.
 *
 *   for await (const c of openEvents(spec)) forEachEvent(c, (b, i) => onBook(b, i), (t, j) => onTrade(t, j));
 */
import { DataError } from "../errors.ts";
import { sliceBook, sliceFunding, sliceTrades } from "./batch.ts";
import { openBookSource, openFundingSource, openTradeSource, resolveSource, type SkippedPart, type SourceSpec } from "./sources.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "./types.ts";

/**
 * The tie rule: whether a trade at `tradeTs` is processed before a book row at `bookTs`.
 * At equal milliseconds the trade comes first (trade before book). Calibration and the streams
 * consult this one definition.
 */
export function tradeBeforeBook(tradeTs: number, bookTs: number): boolean {
  return tradeTs <= bookTs;
}

/** Whether a funding print at `fundingTs` is processed before an event at `ts` (first on equal ms). */
export function fundingBefore(fundingTs: number, ts: number): boolean {
  return fundingTs <= ts;
}

export interface EventChunk {
  /** Rows of each stream, in stored order (each batch non-empty). */
  books: BookBatch[];
  trades: TradeBatch[];
  funding: FundingBatch[];
  /** True for the chunk after which no stream has rows left. */
  last: boolean;
}

export interface EventSpec {
  books: SourceSpec;
  trades: SourceSpec;
  /** Funding parts; null = none (a market without funding_parts/ also has none). */
  funding: SourceSpec | null;
  /** Inclusive lower and exclusive upper bound on timestamps. */
  fromMs?: number;
  toMs?: number;
  /** Book levels per side to decode (default: all levels of the data). */
  levels?: number;
  /** Book rows per chunk (default 100,000: ~2.8 h at 10 rows/s). */
  chunkRows?: number;
  /** Read on past an unreadable Parquet part (listed in `skipped`); default: stop with a DataError naming it. */
  skipBadParts?: boolean;
}

export interface EventStream extends AsyncIterable<EventChunk> {
  /** What each stream reads, for messages. */
  labels: { books: string; trades: string; funding: string };
  /** Parts skipped so far (only with skipBadParts), books then trades then funding. */
  skipped(): SkippedPart[];
}

/** Opens a market's events (the sources open lazily, when iteration starts). */
export function openEvents(spec: EventSpec): EventStream {
  const window = { fromMs: spec.fromMs, toMs: spec.toMs, badParts: spec.skipBadParts ? "skip" as const : "stop" as const };
  const books = openBookSource(spec.books, { ...window, levels: spec.levels, seq: false });
  const trades = openTradeSource(spec.trades, window);
  const funding = spec.funding !== null && hasFunding(spec.funding) ? openFundingSource(spec.funding, window) : null;
  return {
    labels: { books: books.label, trades: trades.label, funding: funding?.label ?? "funding" },
    skipped: () => [...books.skipped, ...trades.skipped, ...(funding?.skipped ?? [])],
    [Symbol.asyncIterator]: () => eventChunks(books, trades, funding, spec.chunkRows)[Symbol.asyncIterator](),
  };
}

/** Whether a funding source exists (a market without funding_parts/ simply has none). */
export function hasFunding(spec: SourceSpec): boolean {
  try {
    resolveSource(spec, "funding");
    return true;
  } catch (e) {
    if (e instanceof DataError) return false;
    throw e;
  }
}

/** Cuts already open batch streams into time chunks (see CHUNKS above). */
export async function* eventChunks(
  books: AsyncIterable<BookBatch>,
  trades: AsyncIterable<TradeBatch>,
  funding: AsyncIterable<FundingBatch> | null,
  chunkRows = 100_000,
): AsyncGenerator<EventChunk> {
  const rows = Math.max(1, chunkRows);
  const bc = new TimeCursor(books, sliceBook);
  const tc = new TimeCursor(trades, sliceTrades);
  const fc = funding ? new TimeCursor(funding, sliceFunding) : null;
  try {
    for (;;) {
      const t0 = await bc.tsAt(0);
      let T = Infinity;
      if (t0 !== Infinity) {
        T = await bc.tsAt(rows);
        // more than a chunk of rows on one millisecond (or rows going back in time): take at least the first row's millisecond
        if (T <= t0) T = t0 + 0.001;
      }
      const chunk: EventChunk = {
        // at least the first book row, whatever its time: a chunk always makes progress
        books: await bc.takeBefore(T, true),
        trades: await tc.takeBefore(T),
        funding: fc ? await fc.takeBefore(T) : [],
        last: T === Infinity,
      };
      if (chunk.books.length + chunk.trades.length + chunk.funding.length > 0 || chunk.last) yield chunk;
      if (chunk.last) return;
    }
  } finally {
    await bc.close();
    await tc.close();
    await fc?.close();
  }
}

/**
 * Visits a chunk's book rows and trades (and, with `onFunding`, funding prints) in event order.
 * Callbacks get the batch and the row within it.
 */
export function forEachEvent(
  c: EventChunk,
  onBook: (b: BookBatch, i: number) => void,
  onTrade: (t: TradeBatch, j: number) => void,
  onFunding?: (f: FundingBatch, k: number) => void,
): void {
  const B = new RowCursor(c.books), T = new RowCursor(c.trades), F = new RowCursor(onFunding ? c.funding : []);
  for (;;) {
    const bd = B.done(), td = T.done(), fd = F.done();
    if (!fd && (td || fundingBefore(F.ts(), T.ts())) && (bd || fundingBefore(F.ts(), B.ts()))) onFunding!(F.batch(), F.next());
    else if (!td && (bd || tradeBeforeBook(T.ts(), B.ts()))) onTrade(T.batch(), T.next());
    else if (!bd) onBook(B.batch(), B.next());
    else return;
  }
}

/**
 * The same order over two timestamp columns (compact event data): calls onBook(i) and onTrade(j)
 * for rows [0, nBooks) and [0, nTrades), trades after the last book row included.
 */
export function forEachMerged(
  bookTs: ArrayLike<number>, nBooks: number, tradeTs: ArrayLike<number>, nTrades: number,
  onBook: (i: number) => void, onTrade: (j: number) => void,
): void {
  let j = 0;
  for (let i = 0; i < nBooks; i++) {
    const ts = bookTs[i]!;
    while (j < nTrades && tradeBeforeBook(tradeTs[j]!, ts)) onTrade(j++);
    onBook(i);
  }
  while (j < nTrades) onTrade(j++);
}

interface Rows {
  length: number;
  timestampMs: Float64Array;
}

/** A read position over a list of batches (forEachEvent). */
class RowCursor<B extends Rows> {
  private b = 0;
  private r = 0;
  constructor(private readonly batches: B[]) {
    this.skipEmpty();
  }
  private skipEmpty(): void {
    while (this.b < this.batches.length && this.r >= this.batches[this.b]!.length) {
      this.b++;
      this.r = 0;
    }
  }
  done(): boolean {
    return this.b >= this.batches.length;
  }
  /** Timestamp of the current row (not done). */
  ts(): number {
    return this.batches[this.b]!.timestampMs[this.r]!;
  }
  batch(): B {
    return this.batches[this.b]!;
  }
  /** The current row's index in its batch; moves on. */
  next(): number {
    const r = this.r++;
    this.skipEmpty();
    return r;
  }
}

/** Pulls batches from a source and hands out row ranges by time, slicing batches (zero-copy). */
class TimeCursor<B extends Rows> {
  private buf: B[] = [];
  private head = 0;
  private done = false;
  private readonly it: AsyncIterator<B>;

  constructor(src: AsyncIterable<B>, private readonly slice: (b: B, start: number, end: number) => B) {
    this.it = src[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.buf.push(r.value);
        return true;
      }
    }
    return false;
  }

  /** Timestamp of the k-th row not yet taken (Infinity past the end). */
  async tsAt(k: number): Promise<number> {
    let idx = k + this.head;
    let bi = 0;
    for (;;) {
      while (bi < this.buf.length && idx >= this.buf[bi]!.length) {
        idx -= this.buf[bi]!.length;
        bi++;
      }
      if (bi < this.buf.length) return this.buf[bi]!.timestampMs[idx]!;
      if (!(await this.more())) return Infinity;
    }
  }

  /** The leading rows with timestamp < T (stops at the first row ≥ T); all rows when T is Infinity. */
  async takeBefore(T: number, atLeastOne = false): Promise<B[]> {
    const out: B[] = [];
    for (;;) {
      if (this.buf.length === 0 && !(await this.more())) return out;
      const b = this.buf[0]!;
      let r = this.head;
      if (atLeastOne && out.length === 0) r++;
      while (r < b.length && (b.timestampMs[r]! < T || T === Infinity)) r++;
      if (r === b.length) {
        out.push(this.head === 0 ? b : this.slice(b, this.head, b.length));
        this.buf.shift();
        this.head = 0;
        continue;
      }
      if (r > this.head) out.push(this.slice(b, this.head, r));
      this.head = r;
      return out;
    }
  }

  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}
