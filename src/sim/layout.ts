/**
 * Output layout shared by the TS reference loop and the WASM core: the one definition; the
 * core's S_*, F_*, Q_*, R_* constants are generated from it (wasm_layout.ts). Tables are
 * column-major Float64Arrays: column c of row i is at `c * capacity + i`.
 */

/** Scalar results, indices into the `scalars` block. */
export const S = {
  cash: 0, inventory: 1, bidFills: 2, askFills: 3, volume: 4, notional: 5, makerFees: 6, funding: 7,
  closeFee: 8, closeQty: 9, closeNotional: 10, lastMid: 11, spreadCapture: 12, absInvTime: 13,
  maxAbsInv: 14, limitTime: 15, bidLiveTime: 16, askLiveTime: 17, bothLiveTime: 18, totalTime: 19,
  ordersPlaced: 20, postOnlyRejects: 21, nFills: 22, nSamples: 23, firstTs: 24, lastTs: 25,
  overflow: 26, quotesComputed: 27, nRows: 28, finalEquity: 29, invBeforeClose: 30, expired: 31,
  closePrice: 32, anyLiveTime: 33,
  // margin (reference/margin.ts): liquidation closes, their fees (taker + liquidation), orders not
  // placed for margin, peak initial margin / equity, minimum distance to the liquidation price
  // as a fraction of the mark (0 when no position was held)
  liquidations: 34, liquidationFees: 35, marginRejects: 36, peakMarginUsage: 37, minLiqDistance: 38,
} as const;
export const S_COUNT = Object.keys(S).length;

/** fills table columns; side +1 = our bid filled (bought), −1 = our ask filled (sold). */
export const F = { ts: 0, side: 1, price: 2, size: 3, fee: 4, mid: 5, inventory: 6, cash: 7, trade: 8 } as const;
export const F_COLS = Object.keys(F).length;
/** `trade` column: index of the trade that filled us, or one of these. */
export const FILL_BY_BOOK = -1;
export const FILL_CLOSE = -2;
/** A liquidation: the whole position closed at the mark with the taker and liquidation fees. */
export const FILL_LIQUIDATION = -3;

/** Equity samples on the fixed grid (plus a final one after the close); bid/ask NaN when not live. */
export const Q = { ts: 0, cash: 1, inventory: 2, mid: 3, bid: 4, ask: 5 } as const;
export const Q_COLS = Object.keys(Q).length;

/** One row per recalibration (the original's backtest_results.csv). */
export const R = { mid: 0, inventory: 1, cash: 2, bid: 3, ask: 4, gamma: 5, spread: 6, bidFills: 7, askFills: 8 } as const;
export const R_COLS = Object.keys(R).length;

export interface RunBuffers {
  scalars: Float64Array;
  fills: Float64Array;
  fillCap: number;
  samples: Float64Array;
  sampleCap: number;
  rows: Float64Array;
  rowCap: number;
}

export function allocRunBuffers(fillCap: number, sampleCap: number, rowCap: number): RunBuffers {
  return {
    scalars: new Float64Array(S_COUNT),
    fills: new Float64Array(F_COLS * Math.max(fillCap, 1)),
    fillCap,
    samples: new Float64Array(Q_COLS * Math.max(sampleCap, 1)),
    sampleCap,
    rows: new Float64Array(R_COLS * Math.max(rowCap, 1)),
    rowCap,
  };
}

/** Sample grid size for data spanning [first, last] ms: grid points + the final post-close sample. */
export function sampleCapacity(firstTs: number, lastTs: number, sampleMs: number): number {
  return Math.floor(Math.max(lastTs - firstTs, 0) / sampleMs) + 3;
}

type Cols<K extends Record<string, number>> = { [k in keyof K]: Float64Array };

/** The outputs of one run as exact-length columns (copies, detached from any wasm memory). */
export interface RunResult {
  scalars: Float64Array;
  fills: Cols<typeof F>;
  samples: Cols<typeof Q>;
  rows: Cols<typeof R>;
}

function columns<K extends Record<string, number>>(keys: K, block: Float64Array, cap: number, n: number): Cols<K> {
  const out = {} as Record<string, Float64Array>;
  for (const [k, c] of Object.entries(keys)) out[k] = block.slice(c * cap, c * cap + n);
  return out as Cols<K>;
}

export function collectResult(b: { scalars: Float64Array; fills: Float64Array; fillCap: number; samples: Float64Array; sampleCap: number; rows: Float64Array; rowCap: number }): RunResult {
  const sc = b.scalars.slice();
  return {
    scalars: sc,
    fills: columns(F, b.fills, b.fillCap, sc[S.nFills]!),
    samples: columns(Q, b.samples, b.sampleCap, sc[S.nSamples]!),
    rows: columns(R, b.rows, b.rowCap, sc[S.nRows]!),
  };
}

/** Fill-table capacity that cannot overflow: ≤ 1 fill per trade in cross/strict, ≤ 2 per event in queue, + the close. */
export function fillCapacity(nTrades: number, nBooks: number, queue: boolean, generous = false): number {
  if (!queue) return nTrades + 2;
  return generous ? 2 * (nTrades + nBooks) + 2 : 2 * nTrades + 1024;
}
