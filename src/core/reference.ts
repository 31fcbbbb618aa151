import type { BookFeatures, TopOfBook } from "./book_features.ts";

/**
 * Plain TypeScript references of the WASM kernels: the executable specification that the
 * differential tests hold the core to.
 */
export function bookFeaturesRef(top: TopOfBook): BookFeatures {
  const n = top.bidPx.length;
  const mid = new Float64Array(n);
  const spread = new Float64Array(n);
  const micro = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const bp = top.bidPx[i];
    const ap = top.askPx[i];
    if (!(bp > 0) || !(ap > 0)) {
      mid[i] = spread[i] = micro[i] = NaN;
      continue;
    }
    const bq = top.bidQty[i];
    const aq = top.askQty[i];
    mid[i] = (bp + ap) * 0.5;
    spread[i] = ap - bp;
    const tot = bq + aq;
    micro[i] = tot > 0 ? bp + (ap - bp) * (bq / tot) : (bp + ap) * 0.5;
  }
  return { mid, spread, micro };
}
