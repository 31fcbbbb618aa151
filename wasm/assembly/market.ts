// The market the loop replays: the current chunk's event columns (pointers into this module's
// memory, set by btSetData) and the book in force. TS twin: src/sim/reference/market.ts.

export const BID = 0;
export const ASK = 1;

export let nB: i32 = 0, L: i32 = 0, nT: i32 = 0, nF: i32 = 0;
export let bookTs: usize = 0, bestBid: usize = 0, bestAsk: usize = 0;
export let bidTk: usize = 0, bidQ: usize = 0, askTk: usize = 0, askQ: usize = 0;
export let trTs: usize = 0, trPx: usize = 0, trQty: usize = 0, trSide: usize = 0;
export let fTs: usize = 0, fRate: usize = 0;

export function btSetData(
  nBooks: i32, levels: i32, pBookTs: usize, pBestBid: usize, pBestAsk: usize,
  pBidTk: usize, pBidQ: usize, pAskTk: usize, pAskQ: usize,
  nTrades: i32, pTrTs: usize, pTrPx: usize, pTrQty: usize, pTrSide: usize,
  nFunding: i32, pFTs: usize, pFRate: usize,
): void {
  nB = nBooks; L = levels; bookTs = pBookTs; bestBid = pBestBid; bestAsk = pBestAsk;
  bidTk = pBidTk; bidQ = pBidQ; askTk = pAskTk; askQ = pAskQ;
  nT = nTrades; trTs = pTrTs; trPx = pTrPx; trQty = pTrQty; trSide = pTrSide;
  nF = nFunding; fTs = pFTs; fRate = pFRate;
}

@inline export function ld(base: usize, i: i32): f64 { return load<f64>(base + (<usize>i << 3)); }
@inline export function st(base: usize, i: i32, v: f64): void { store<f64>(base + (<usize>i << 3), v); }

// ---- the book in force: best prices of the latest row and its mid (the mark) ----
export let lastMid: f64 = 0, lastBB: f64 = 0, lastBA: f64 = 0, lastRow: i32 = -1;

export function marketReset(): void {
  lastMid = 0; lastBB = 0; lastBA = 0; lastRow = -1;
}

/** Book row i (best bid bb, best ask ba) becomes the book in force; returns the mid, which a row
 * without both sides leaves where it was. */
@inline export function setBook(i: i32, bb: f64, ba: f64): f64 {
  const mid = bb > 0 && ba > 0 ? (bb + ba) / 2 : lastMid;
  lastMid = mid;
  lastBB = bb;
  lastBA = ba;
  lastRow = i;
  return mid;
}

// The last book row of the previous chunk (streamed runs): queue lookups read it as row CARRY_ROW.
export const CARRY_ROW: i32 = -2;
export const MAX_CARRY_LEVELS = 256;
export const CARRY = memory.data(MAX_CARRY_LEVELS * 16); // bid ticks, ask ticks (i32), bid sizes, ask sizes (f32)

/** End of a chunk: copies the book row in force into CARRY (its data goes away with the chunk). */
export function carryLastRow(): void {
  if (L > 0 && L <= MAX_CARRY_LEVELS && lastRow >= 0) {
    const o = <usize>(lastRow * L) << 2, n = <usize>L << 2;
    memory.copy(CARRY, bidTk + o, n);
    memory.copy(CARRY + <usize>MAX_CARRY_LEVELS * 4, askTk + o, n);
    memory.copy(CARRY + <usize>MAX_CARRY_LEVELS * 8, bidQ + o, n);
    memory.copy(CARRY + <usize>MAX_CARRY_LEVELS * 12, askQ + o, n);
    lastRow = CARRY_ROW;
  } else if (lastRow >= 0) {
    lastRow = CARRY_ROW;
  }
}
