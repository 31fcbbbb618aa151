import { Arena } from "./wasm.ts";

export interface TopOfBook {
  bidPx: Float64Array;
  bidQty: Float64Array;
  askPx: Float64Array;
  askQty: Float64Array;
}

export interface BookFeatures {
  mid: Float64Array;
  spread: Float64Array;
  micro: Float64Array;
}

/** Mid, spread and microprice for every row, computed in the WASM core. */
export function bookFeatures(top: TopOfBook): BookFeatures {
  const n = top.bidPx.length;
  const a = new Arena();
  const bp = a.copyF64(top.bidPx);
  const bq = a.copyF64(top.bidQty);
  const ap = a.copyF64(top.askPx);
  const aq = a.copyF64(top.askQty);
  const mid = a.f64(n);
  const spread = a.f64(n);
  const micro = a.f64(n);
  a.c.bookFeatures(n, bp, bq, ap, aq, mid, spread, micro);
  // Copy out: the arena is reused by the next call.
  return { mid: a.viewF64(mid, n).slice(), spread: a.viewF64(spread, n).slice(), micro: a.viewF64(micro, n).slice() };
}
