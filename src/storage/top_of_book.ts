/**
 * Top-of-book series of a market: mid, spread and microprice per stored book row, computed by the
 * WASM core's `bookFeatures` kernel over the projected level-0 columns (timestamp + bid/ask
 * price/size of level 0; no other level and no `seq` is decoded).
 */
import { bookFeatures } from "../core/book_features.ts";
import { openBookSource, type SourceOptions, type SourceSpec } from "./sources.ts";

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

/** Reads every book row of `spec` (time-filtered by `opts`) and returns its top-of-book features. */
export async function readTopOfBook(spec: SourceSpec, opts: SourceOptions = {}): Promise<TopOfBookSeries> {
  const chunks: TopOfBookSeries[] = [];
  let length = 0;
  for await (const b of openBookSource(spec, { ...opts, levels: 1, seq: false })) {
    const f = bookFeatures({ bidPx: b.bidPx[0], bidQty: b.bidQty[0], askPx: b.askPx[0], askQty: b.askQty[0] });
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
