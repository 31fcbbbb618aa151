/**
 * Calibration results the loop consumes: at book row `bookIndex[k]` the quote parameters become
 * σ[k], κ_bid[k], κ_ask[k] (A's are reported only). Calibration depends on market data alone, never
 * on our fills, so it is computed once per (data, calibration config) and shared by every run of
 * a sweep; only the quote formula runs inside the loop.
 */
export interface Schedule {
  n: number;
  bookIndex: Int32Array;
  ts: Float64Array;
  sigma: Float64Array;
  kappaBid: Float64Array;
  kappaAsk: Float64Array;
  aBid: Float64Array;
  aAsk: Float64Array;
}

export function allocSchedule(n: number): Schedule {
  return {
    n,
    bookIndex: new Int32Array(n),
    ts: new Float64Array(n),
    sigma: new Float64Array(n),
    kappaBid: new Float64Array(n),
    kappaAsk: new Float64Array(n),
    aBid: new Float64Array(n),
    aAsk: new Float64Array(n),
  };
}

export function truncateSchedule(s: Schedule, n: number): Schedule {
  return {
    n,
    bookIndex: s.bookIndex.subarray(0, n),
    ts: s.ts.subarray(0, n),
    sigma: s.sigma.subarray(0, n),
    kappaBid: s.kappaBid.subarray(0, n),
    kappaAsk: s.kappaAsk.subarray(0, n),
    aBid: s.aBid.subarray(0, n),
    aAsk: s.aAsk.subarray(0, n),
  };
}
