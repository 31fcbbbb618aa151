// The backtest event loop: merges funding, trades and book rows in time order and hands each event
// to the policies (orders.ts, queue.ts, account.ts, margin.ts, sample.ts). The executable
// specification is the TypeScript reference in src/sim/reference/ (the same files by name; loop.ts there is this
// file's twin); the rules in prose are in docs/backtest.md. Data, params and outputs are pointers
// into this module's memory, laid out as src/sim/layout.ts and src/sim/params.ts define
// (generated/layout.ts holds the offsets, generated from them).
import { accountBegin, accountClose, accountScalars, accountSetOutput, askFills, bidFills, cash, inv, liquidate, nFills, onFunding, overflow } from "./account";
import { marginBegin, marginOn, marginScalars, marginWatch, stopAfterLiquidation } from "./margin";
import { ASK, BID, bookTs, bestAsk, bestBid, carryLastRow, fRate, fTs, lastMid, ld, marketReset, nB, nF, nT, setBook, st, trTs } from "./market";
import { cancelAll, checkOrders, everyUpdate, nextCheck, onTrade, orderSize, ordersBegin, ordersOnBook, ordersScalars, requote, restartWarmup, sameBits } from "./orders";
import { queue, queueBegin } from "./queue";
import { computeQuote, setQuoteParams, qBid, qAsk, qBidTk, qAskTk, qGamma, qSpread } from "./quote";
import { finalSample, nRows, nSamples, prevTs, recordRow, sampleBegin, sampleScalars, sampleSetOutputs, sampleUntil } from "./sample";
import {
  P_GAMMA_MAX, P_GAMMA_MIN, P_GAMMA_MODE, P_GAP_MS, P_HORIZON_SECONDS, P_MAKER_FEE_BPS, P_MAX_INVENTORY,
  P_MAX_SHIFT_TICKS, P_MAX_SPREAD_BPS, P_MAX_VOLATILITY, P_MIN_SPREAD_BPS, P_MIN_VOLATILITY, P_RISK_AVERSION_GAMMA,
  P_TICK_SIZE, S_N_FILLS, S_N_ROWS, S_N_SAMPLES, S_OVERFLOW, S_QUOTES_COMPUTED,
} from "./generated/layout";

let gapMs: f64 = 0;
let haveBook: bool = false, lastBookTs: f64 = 0, quotes: f64 = 0;
let halted: bool = false; // liquidated, and after_liquidation = stop: no more quotes
// calibration schedule of the current chunk, and the calibration in force
let nS: i32 = 0, sBook: usize = 0, sSigma: usize = 0, sKb: usize = 0, sKa: usize = 0;
let sp: i32 = 0, haveCal: bool = false, sigma: f64 = 0, kb: f64 = 0, ka: f64 = 0;

// Quote memo. The quote (and each side's order size) is a pure function of (mid, inventory) for a
// given calibration, and the mid keeps revisiting the same few half-ticks between recalibrations,
// so a small table keyed by the exact (mid, inventory) bits hits ~90% of requotes on a
// 10-rows/s book. Entries carry the calibration generation; a recalibration or a new run bumps it.
const QC_BITS: i32 = 5, QC_N: i32 = 1 << QC_BITS, QC_STRIDE: i32 = 16; // f64 slots per entry
const M_MID = 0, M_INV = 1, M_GEN = 2, M_BID = 3, M_ASK = 4, M_BIDTK = 5, M_ASKTK = 6, M_GAMMA = 7, M_SPREAD = 8;
const M_BIDSZ = 9, M_ASKSZ = 10;
const QCACHE = memory.data(8 * QC_STRIDE * QC_N);
let qGen: f64 = 0;
@inline function qSlot(mid: f64): usize {
  const b = reinterpret<u64>(mid);
  const h = <u32>(b ^ (b >> 29) ^ (b >> 47)) * 0x9e3779b1;
  return QCACHE + (<usize>(h >> (32 - QC_BITS)) * <usize>QC_STRIDE << 3);
}

/**
 * After anything that moves the equity (the mark, a fill, funding): below the maintenance margin
 * the position is liquidated, every order cancelled, and quoting stops or goes on from flat.
 */
@inline function watchMargin(ts: f64): void {
  if (marginOn && marginWatch(cash, inv, lastMid)) {
    liquidate(ts);
    cancelAll();
    if (stopAfterLiquidation) halted = true;
  }
}

/** Before every event: time moves on (samples, accumulators), then orders go live or expire. */
@inline function preEvent(ts: f64): void {
  sampleUntil(ts);
  if (ts >= nextCheck) checkOrders(ts);
}

@inline function onBook(i: i32): void {
  const ts = ld(bookTs, i);
  if (!haveBook || ts - lastBookTs > gapMs) restartWarmup(ts, haveBook);
  haveBook = true;
  lastBookTs = ts;
  const bb = ld(bestBid, i), ba = ld(bestAsk, i);
  const mid = setBook(i, bb, ba);
  watchMargin(ts);
  if (queue) ordersOnBook(i, ts, bb, ba);
  let isRecal = false;
  if (sp < nS && load<i32>(sBook + (<usize>sp << 2)) == i) {
    sigma = ld(sSigma, sp);
    kb = ld(sKb, sp);
    ka = ld(sKa, sp);
    haveCal = true;
    isRecal = true;
    sp++;
  }
  if (!haveCal || !(everyUpdate || isRecal)) return;
  let qb: f64 = 0, qa: f64 = 0, qg: f64 = 0, qs: f64 = 0;
  if (mid > 0 && !halted) {
    quotes++;
    if (isRecal) qGen++;
    const e = qSlot(mid);
    if (!(sameBits(load<f64>(e, M_GEN << 3), qGen) && sameBits(load<f64>(e, M_MID << 3), mid) && sameBits(load<f64>(e, M_INV << 3), inv))) {
      computeQuote(mid, inv, sigma, kb, ka);
      store<f64>(e, mid, M_MID << 3); store<f64>(e, inv, M_INV << 3); store<f64>(e, qGen, M_GEN << 3);
      store<f64>(e, qBid, M_BID << 3); store<f64>(e, qAsk, M_ASK << 3);
      store<f64>(e, qBidTk, M_BIDTK << 3); store<f64>(e, qAskTk, M_ASKTK << 3);
      store<f64>(e, qGamma, M_GAMMA << 3); store<f64>(e, qSpread, M_SPREAD << 3);
      store<f64>(e, qBid > 0 ? orderSize(qBid) : 0, M_BIDSZ << 3);
      store<f64>(e, qAsk > 0 ? orderSize(qAsk) : 0, M_ASKSZ << 3);
    }
    qb = load<f64>(e, M_BID << 3);
    qa = load<f64>(e, M_ASK << 3);
    qg = load<f64>(e, M_GAMMA << 3);
    qs = load<f64>(e, M_SPREAD << 3);
    requote(BID, qb, load<f64>(e, M_BIDTK << 3), load<f64>(e, M_BIDSZ << 3), ts);
    requote(ASK, qa, load<f64>(e, M_ASKTK << 3), load<f64>(e, M_ASKSZ << 3), ts);
  }
  if (isRecal) recordRow(mid, qb, qa, qg, qs, bidFills, askFills);
}

/** Starts a run: parameters in, state reset. Then btSetSchedule/btSetOutputs/btStep per chunk, btEnd. */
export function btBegin(pb: usize): void {
  gapMs = ld(pb, P_GAP_MS);
  accountBegin(pb);
  marginBegin(pb);
  ordersBegin(pb);
  queueBegin(pb);
  sampleBegin(pb);
  marketReset();
  setQuoteParams(
    <i32>ld(pb, P_GAMMA_MODE), ld(pb, P_RISK_AVERSION_GAMMA), ld(pb, P_GAMMA_MIN), ld(pb, P_GAMMA_MAX), ld(pb, P_HORIZON_SECONDS),
    ld(pb, P_MAX_INVENTORY), ld(pb, P_TICK_SIZE), ld(pb, P_MAX_SHIFT_TICKS), ld(pb, P_MIN_SPREAD_BPS), ld(pb, P_MAX_SPREAD_BPS),
    ld(pb, P_MAKER_FEE_BPS), ld(pb, P_MIN_VOLATILITY), ld(pb, P_MAX_VOLATILITY),
  );
  haveBook = false; lastBookTs = 0; quotes = 0; halted = false;
  sp = 0; haveCal = false; sigma = 0; kb = 0; ka = 0;
  qGen++; // the quote params and calibration change with the run
}

/** The recalibrations whose book rows lie in the current chunk (indices relative to the chunk). */
export function btSetSchedule(nSched: i32, pSBook: usize, pSSigma: usize, pSKb: usize, pSKa: usize): void {
  nS = nSched; sBook = pSBook; sSigma = pSSigma; sKb = pSKb; sKa = pSKa;
  sp = 0;
}

/** Output buffers for the next step; the counts restart at 0 (the host collects after each step). */
export function btSetOutputs(pFills: usize, fCap: i32, pSamples: usize, sCap: i32, pRows: usize, rCap: i32): void {
  accountSetOutput(pFills, fCap);
  sampleSetOutputs(pSamples, sCap, pRows, rCap);
}

/**
 * Processes every event of the current data (btSetData). For a streamed run the host cuts the
 * stream at a time T — all events before T in one chunk, none after — so chunk after chunk is the
 * same merge as one pass. The last book row is kept for queue lookups in the next chunk.
 */
export function btStep(): void {
  // The next trade and funding times live in locals, reloaded only when one is consumed (books
  // dominate: ~20 book rows per trade). Same order as the reference: funding, trade, book on ties.
  let ib = 0, it = 0, ifd = 0;
  let tt = nT > 0 ? ld(trTs, 0) : Infinity;
  let tf = nF > 0 ? ld(fTs, 0) : Infinity;
  while (true) {
    // the book rows strictly before the next funding or trade (those go first on equal times)
    const tn = tf <= tt ? tf : tt;
    while (ib < nB) {
      const tb = ld(bookTs, ib);
      if (!(tb < tn)) break;
      preEvent(tb);
      onBook(ib++);
    }
    if (tf <= tt) {
      if (ifd >= nF) break; // tf = tt = ∞ and no book row left: every stream is consumed
      preEvent(tf);
      onFunding(ld(fRate, ifd++));
      watchMargin(tf);
      tf = ifd < nF ? ld(fTs, ifd) : Infinity;
    } else {
      preEvent(tt);
      onTrade(it++);
      watchMargin(tt);
      tt = it < nT ? ld(trTs, it) : Infinity;
    }
  }
  carryLastRow();
}

/** The current step's output counts, at their scalar-block offsets. */
export function btCounts(pScalars: usize): void {
  st(pScalars, S_N_FILLS, <f64>nFills);
  st(pScalars, S_N_SAMPLES, <f64>nSamples);
  st(pScalars, S_N_ROWS, <f64>nRows);
  st(pScalars, S_OVERFLOW, overflow);
}

/** Ends a run: closing trade, final sample, scalar results. */
export function btEnd(pScalars: usize): void {
  accountClose(prevTs);
  finalSample();
  accountScalars(pScalars);
  ordersScalars(pScalars);
  sampleScalars(pScalars);
  marginScalars(pScalars);
  st(pScalars, S_QUOTES_COMPUTED, quotes);
}

/** Runs one simulation over the data set by btSetData; see src/sim/core.ts for the host side. */
export function btRun(
  pb: usize, nSched: i32, pSBook: usize, pSSigma: usize, pSKb: usize, pSKa: usize,
  pFills: usize, fCap: i32, pSamples: usize, sCap: i32, pRows: usize, rCap: i32, pScalars: usize,
): void {
  btBegin(pb);
  btSetSchedule(nSched, pSBook, pSSigma, pSKb, pSKa);
  btSetOutputs(pFills, fCap, pSamples, sCap, pRows, rCap);
  btStep();
  btEnd(pScalars);
}
