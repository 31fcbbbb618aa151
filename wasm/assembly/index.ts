// The WASM core: hot loops over typed arrays that live in this module's memory.
// Hosts copy columns in once with `alloc`, call kernels by pointer, and read results back through
// views. Every kernel has a plain TypeScript reference that differential tests hold it to:
// bookFeatures → src/core/reference.ts (host src/core/book_features.ts); the backtest loop
// (loop.ts and its policies) → src/sim/reference/ (host src/sim/core.ts); the AS quote (quote.ts)
// → src/model/quote.ts; the GARCH screening pass (garch.ts) → src/model/garch_batch.ts
// `garchLogLikScreen` (host src/core/garch_screen.ts).

/** Bump allocation into linear memory; the host resets with `reset()` between datasets. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function reset(): void {
  heap.reset();
}

/**
 * Book top-of-book features, one row per snapshot: mid, absolute spread and microprice
 * (size-weighted towards the thinner side). Rows with a missing or non-positive side give NaN.
 */
export function bookFeatures(
  n: i32,
  bidPx: usize,
  bidQty: usize,
  askPx: usize,
  askQty: usize,
  outMid: usize,
  outSpread: usize,
  outMicro: usize,
): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const bp = load<f64>(bidPx + o);
    const ap = load<f64>(askPx + o);
    const bq = load<f64>(bidQty + o);
    const aq = load<f64>(askQty + o);
    if (!(bp > 0.0) || !(ap > 0.0)) {
      store<f64>(outMid + o, NaN);
      store<f64>(outSpread + o, NaN);
      store<f64>(outMicro + o, NaN);
      continue;
    }
    store<f64>(outMid + o, (bp + ap) * 0.5);
    store<f64>(outSpread + o, ap - bp);
    const tot = bq + aq;
    // bid + spread × bid-share stays inside [bid, ask] under rounding, unlike the weighted sum.
    store<f64>(outMicro + o, tot > 0.0 ? bp + (ap - bp) * (bq / tot) : (bp + ap) * 0.5);
  }
}

// The backtest event loop and the AS quote it uses.
export { btSetData } from "./market";
export { btRun, btBegin, btSetSchedule, btSetOutputs, btStep, btEnd, btCounts } from "./loop";
export { computeQuote, setQuoteParams, qBid, qAsk, qBidTk, qAskTk, qGamma, qSpread, qReservation } from "./quote";
export { garchScreen8 } from "./garch";
