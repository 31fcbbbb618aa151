/**
 * Top-of-book series of a market: mid, spread and microprice per book row, computed by a features
 * kernel over level 0. The caller passes the batches — open them with `{ levels: 1, seq: false }`
 * so no other level and no `seq` is decoded — and the kernel (the WASM core's `bookFeatures` in the
 * CLI): the model does no I/O and does not depend on the simulation layer above it.
 */

/** Level-0 columns of a book batch. */
export interface Level0 {
  bidPx: Float64Array;
  bidQty: Float64Array;
  askPx: Float64Array;
  askQty: Float64Array;
}

/** Per-row features of level 0 (see TopOfBookSeries). */
export type TopFeatures = Pick<TopOfBookSeries, "mid" | "spread" | "micro">;

export interface TopOfBookSeries {
  length: number;
  timestampMs: Float64Array;
  /** (bid + ask) / 2; NaN where a side is missing or non-positive. */
  mid: Float64Array;
  /** ask − bid (negative on a crossed row); NaN likewise. */
  spread: Float64Array;
  /** Size-weighted price, bid + spread × bidQty / (bidQty + askQty); NaN likewise. */
  micro: Float64Array;
}

/** Book batches as the series reads them: level 0 of each side first in the per-level arrays. */
export interface BookLevels {
  length: number;
  timestampMs: Float64Array;
  bidPx: Float64Array[];
  bidQty: Float64Array[];
  askPx: Float64Array[];
  askQty: Float64Array[];
}

/** The top-of-book features of every row of `books`, in order, as one series. */
export async function topOfBook(books: AsyncIterable<BookLevels>, features: (top: Level0) => TopFeatures): Promise<TopOfBookSeries> {
  const chunks: TopOfBookSeries[] = [];
  let length = 0;
  for await (const b of books) {
    const f = features({ bidPx: b.bidPx[0], bidQty: b.bidQty[0], askPx: b.askPx[0], askQty: b.askQty[0] });
    chunks.push({ length: b.length, timestampMs: b.timestampMs, ...f });
    length += b.length;
  }
  if (chunks.length === 1) return chunks[0];
  const out: TopOfBookSeries = {
    length,
    timestampMs: new Float64Array(length),
    mid: new Float64Array(length),
    spread: new Float64Array(length),
    micro: new Float64Array(length),
  };
  let at = 0;
  for (const c of chunks) {
    out.timestampMs.set(c.timestampMs, at);
    out.mid.set(c.mid, at);
    out.spread.set(c.spread, at);
    out.micro.set(c.micro, at);
    at += c.length;
  }
  return out;
}
