// The backtest event loop: a line-by-line port of src/backtest/reference.ts (the specification;
// read the rules there and in docs/backtest.md). Data, params and outputs are pointers into this
// module's memory, laid out as src/backtest/layout.ts and src/backtest/params.ts describe.
import { computeQuote, setQuoteParams, qBid, qAsk, qBidTk, qAskTk, qGamma, qSpread, floorTicks, ticksToPrice } from "./quote";

// ---- param block offsets (src/backtest/params.ts PARAM_KEYS) ----
const P_CAPITAL = 0, P_NOTIONAL = 1, P_LOT = 2, P_TICK = 3, P_MAXINV = 4, P_MAKER = 5, P_TAKER = 6;
const P_COOLDOWN = 7, P_VALIDITY = 8, P_GAP = 9, P_WARMUP = 10, P_LATENCY = 11, P_FILLMODEL = 12;
const P_QUEUEMODEL = 13, P_QUEUEPOWER = 14, P_REQUOTE = 15, P_ORIGSIZE = 16, P_SAMPLE = 17, P_POSTONLY = 18;
const P_GAMMAMODE = 19, P_RAG = 20, P_GMIN = 21, P_GMAX = 22, P_HORIZON = 23, P_SHIFT = 24;
const P_MINBPS = 25, P_MAXBPS = 26, P_MINVOL = 27, P_MAXVOL = 28;

// ---- scalar offsets (layout.ts S) ----
const S_CASH = 0, S_INV = 1, S_BIDFILLS = 2, S_ASKFILLS = 3, S_VOLUME = 4, S_NOTIONAL = 5, S_FEES = 6;
const S_FUNDING = 7, S_CLOSEFEE = 8, S_CLOSEQTY = 9, S_CLOSENOTIONAL = 10, S_LASTMID = 11, S_SPREADCAP = 12;
const S_ABSINVTIME = 13, S_MAXABSINV = 14, S_LIMITTIME = 15, S_BIDTIME = 16, S_ASKTIME = 17, S_BOTHTIME = 18;
const S_TOTALTIME = 19, S_ORDERS = 20, S_REJECTS = 21, S_NFILLS = 22, S_NSAMPLES = 23, S_FIRSTTS = 24;
const S_LASTTS = 25, S_OVERFLOW = 26, S_QUOTES = 27, S_NROWS = 28, S_FINALEQ = 29, S_INVBEFORE = 30;
const S_EXPIRED = 31, S_CLOSEPRICE = 32, S_ANYTIME = 33;

const BID = 0;
const ASK = 1;
const FILL_BY_BOOK: f64 = -1;
const FILL_CLOSE: f64 = -2;

// ---- data (set by btSetData) ----
let nB: i32 = 0, L: i32 = 0, nT: i32 = 0, nF: i32 = 0;
let bookTs: usize = 0, bestBid: usize = 0, bestAsk: usize = 0;
let bidTk: usize = 0, bidQ: usize = 0, askTk: usize = 0, askQ: usize = 0;
let trTs: usize = 0, trPx: usize = 0, trQty: usize = 0, trSide: usize = 0;
let fTs: usize = 0, fRate: usize = 0;

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

@inline function ld(base: usize, i: i32): f64 { return load<f64>(base + (<usize>i << 3)); }
@inline function st(base: usize, i: i32, v: f64): void { store<f64>(base + (<usize>i << 3), v); }

// ---- params ----
let capital: f64 = 0, notionalP: f64 = 0, lot: f64 = 0, maxInv: f64 = 0, maker: f64 = 0, taker: f64 = 0;
let cooldownMs: f64 = 0, validityMs: f64 = 0, gapMs: f64 = 0, warmupMs: f64 = 0, latencyMs: f64 = 0;
let queue: bool = false, cross: bool = false, power: bool = false, everyUpdate: bool = false;
let limitInv: f64 = 0; // maxInv × (1 − 1e-9), the 'at the limit' threshold
let queuePower: f64 = 0, powN: i32 = 0, origSizing: bool = false, sampleMs: f64 = 0, postOnly: bool = false;

// ---- state ----
let cash: f64 = 0, inv: f64 = 0, lastMid: f64 = 0, lastBB: f64 = 0, lastBA: f64 = 0, lastRow: i32 = -1;
let bidFills: f64 = 0, askFills: f64 = 0, volume: f64 = 0, notional: f64 = 0, fees: f64 = 0, funding: f64 = 0;
let spreadCapture: f64 = 0, maxAbsInv: f64 = 0, nFills: i32 = 0, overflow: f64 = 0, ordersPlaced: f64 = 0;
let rejects: f64 = 0, expired: f64 = 0, quotes: f64 = 0;
let started: bool = false, firstTs: f64 = 0, prevTs: f64 = 0, nextSample: f64 = 0, nSamples: i32 = 0;
let absInvTime: f64 = 0, limitTime: f64 = 0, bidTime: f64 = 0, askTime: f64 = 0, bothTime: f64 = 0, anyTime: f64 = 0;
let haveBook: bool = false, lastBookTs: f64 = 0, warmupEnd: f64 = 0, nextCheck: f64 = Infinity;
let sp: i32 = 0, haveCal: bool = false, sigma: f64 = 0, kb: f64 = 0, ka: f64 = 0, nRows: i32 = 0;
// Quote memo. The quote (and each side's order size) is a pure function of (mid, inventory) for a
// given calibration, and the mid keeps revisiting the same few half-ticks between recalibrations,
// so a small table keyed by the exact (mid, inventory) bits hits ~90% of requotes on a
// 10-rows/s book. Entries carry the calibration generation; a recalibration or a new run bumps it.
const QC_BITS: i32 = 5, QC_N: i32 = 1 << QC_BITS, QC_STRIDE: i32 = 16; // f64 slots per entry
const Q_MID = 0, Q_INV = 1, Q_GEN = 2, Q_BID = 3, Q_ASK = 4, Q_BIDTK = 5, Q_ASKTK = 6, Q_GAMMA = 7, Q_SPREAD = 8;
const Q_BIDSZ = 9, Q_ASKSZ = 10;
const QCACHE = memory.data(8 * QC_STRIDE * QC_N);
let qGen: f64 = 0;
@inline function qSlot(mid: f64): usize {
  const b = reinterpret<u64>(mid);
  const h = <u32>(b ^ (b >> 29) ^ (b >> 47)) * 0x9e3779b1;
  return QCACHE + (<usize>(h >> (32 - QC_BITS)) * <usize>QC_STRIDE << 3);
}

// f64 equality by bits: one integer compare (JSC tests an f64 == with two branches, parity then
// zero). It differs from == only for NaN and ±0: a memo key that differs only so is a harmless
// miss, and quote ticks compared this way are positive integers (a tick ≤ 0 never reaches them).
@inline function sameBits(a: f64, b: f64): bool { return reinterpret<i64>(a) == reinterpret<i64>(b); }

// per-side order state, static memory (no heap: the host resets the heap between datasets)
const ORD = memory.data(8 * 2 * 16);
const O_PX = 1, O_TK = 2, O_SIZE = 3, O_QTS = 4, O_FRONT = 5, O_PREV = 6, O_TRADED = 7, O_LASTFILL = 8;
const P_PX = 10, P_TK = 11, P_SIZE = 12, P_QTS = 13, P_LIVETS = 14;
@inline function g(f: i32, side: i32): f64 { return load<f64>(ORD + (<usize>(f * 2 + side) << 3)); }
@inline function s(f: i32, side: i32, v: f64): void { store<f64>(ORD + (<usize>(f * 2 + side) << 3), v); }
const OTKI = memory.data(8); // O_TK as i32 per side (the scans compare integer ticks)
// The two flags per side as i32 (an f64 != 0 test is two branches in JSC: NaN parity, then zero)
const FLAGS = memory.data(16); // order live [bid, ask], replacement pending [bid, ask]
@inline function live(side: i32): bool { return load<i32>(FLAGS + (<usize>side << 2)) != 0; }
@inline function setLive(side: i32, v: i32): void { store<i32>(FLAGS + (<usize>side << 2), v); }
@inline function pending(side: i32): bool { return load<i32>(FLAGS + 8 + (<usize>side << 2)) != 0; }
@inline function setPending(side: i32, v: i32): void { store<i32>(FLAGS + 8 + (<usize>side << 2), v); }

// ---- outputs ----
let outFills: usize = 0, fillCap: i32 = 0, outSamples: usize = 0, sampleCap: i32 = 0, outRows: usize = 0, rowCap: i32 = 0;
// schedule
let nS: i32 = 0, sBook: usize = 0, sSigma: usize = 0, sKb: usize = 0, sKa: usize = 0;

// The last book row of the previous chunk (streamed runs): levelQty(row = CARRY_ROW) reads it here.
const CARRY_ROW: i32 = -2;
const MAX_CARRY_LEVELS = 256;
const CARRY = memory.data(MAX_CARRY_LEVELS * 16); // bid ticks, ask ticks (i32), bid sizes, ask sizes (f32)

@inline function levelQty(side: i32, tk: f64, row: i32): f64 {
  if (L == 0 || row == -1) return -1;
  if (row >= 0) {
    const o = <usize>(row * L) << 2;
    return side == BID ? scanBid(bidTk + o, bidQ + o, tk) : scanAsk(askTk + o, askQ + o, tk);
  }
  return side == BID
    ? scanBid(CARRY, CARRY + <usize>MAX_CARRY_LEVELS * 8, tk)
    : scanAsk(CARRY + <usize>MAX_CARRY_LEVELS * 4, CARRY + <usize>MAX_CARRY_LEVELS * 12, tk);
}

// Integer compares, best level first; the same answers as the reference's f64 version.
@inline function scanBid(tks: usize, qs: usize, tk: f64, k: i32 = <i32>tk): f64 {
  for (let l = 0; l < L; l++) {
    const v = load<i32>(tks + (<usize>l << 2));
    if (v == k) return <f64>load<f32>(qs + (<usize>l << 2));
    if (<u32>v < <u32>k) return 0; // an on-grid level below ours (k ≥ 0; −1 and off-grid codes are huge unsigned)
    if (v < -1 && <f64>(-v) - 1.5 < tk) return 0;
  }
  return -1;
}

@inline function scanAsk(tks: usize, qs: usize, tk: f64, k: i32 = <i32>tk): f64 {
  for (let l = 0; l < L; l++) {
    const v = load<i32>(tks + (<usize>l << 2));
    if (v == k) return <f64>load<f32>(qs + (<usize>l << 2));
    if (v > k) return 0; // an on-grid level above ours (k ≥ 0, so no code < 0 passes)
    if (v < -1 && <f64>(-v) - 1.5 > tk) return 0;
  }
  return -1;
}

function record(ts: f64, side: f64, px: f64, size: f64, fee: f64, trade: f64): void {
  if (nFills >= fillCap) {
    overflow = 1;
    return;
  }
  const c = fillCap, i = nFills++;
  st(outFills, 0 * c + i, ts);
  st(outFills, 1 * c + i, side);
  st(outFills, 2 * c + i, px);
  st(outFills, 3 * c + i, size);
  st(outFills, 4 * c + i, fee);
  st(outFills, 5 * c + i, lastMid);
  st(outFills, 6 * c + i, inv);
  st(outFills, 7 * c + i, cash);
  st(outFills, 8 * c + i, trade);
}

function fill(side: i32, wanted: f64, ts: f64, refPx: f64, trade: f64): f64 {
  if (ts < warmupEnd) return 0;
  const last = g(O_LASTFILL, side);
  if (last > 0 && ts < last + cooldownMs) return 0;
  const px = g(O_PX, side);
  let base = wanted;
  if (origSizing) {
    const orig = notionalP / refPx;
    base = queue ? Math.min(wanted, orig) : orig;
  }
  let size: f64;
  let fee: f64;
  if (side == ASK) {
    if (!(inv > -maxInv)) return 0;
    size = Math.min(base, inv + maxInv);
    if (!origSizing && lot > 0) size = ticksToPrice(floorTicks(size, lot), lot);
    if (!(size > 0)) return 0;
    const proceeds = px * size;
    fee = proceeds * maker;
    inv -= size;
    cash += proceeds - fee;
    askFills++;
    notional += proceeds;
    spreadCapture += (px - lastMid) * size;
  } else {
    if (!(inv < maxInv)) return 0;
    size = Math.min(base, maxInv - inv);
    if (!origSizing && lot > 0) size = ticksToPrice(floorTicks(size, lot), lot);
    if (!(size > 0)) return 0;
    const cost = px * size;
    fee = cost * maker;
    if (cash < cost + fee) return 0;
    inv += size;
    cash -= cost + fee;
    bidFills++;
    notional += cost;
    spreadCapture += (lastMid - px) * size;
  }
  volume += size;
  fees += fee;
  s(O_LASTFILL, side, ts);
  const a = Math.abs(inv);
  if (a > maxAbsInv) maxAbsInv = a;
  record(ts, side == BID ? 1 : -1, px, size, fee, trade);
  if (queue) {
    s(O_SIZE, side, g(O_SIZE, side) - size);
    if (!(g(O_SIZE, side) > 1e-12 * size)) setLive(side, 0);
  }
  return size;
}

@inline function activate(side: i32, ts: f64): void {
  setPending(side, 0);
  setLive(side, 0);
  const px = g(P_PX, side);
  if (!(px > 0) || !(g(P_SIZE, side) > 0)) return;
  if (validityMs > 0 && ts >= g(P_QTS, side) + validityMs) {
    expired++;
    return;
  }
  if (postOnly) {
    if (side == BID ? lastBA > 0 && px >= lastBA : lastBB > 0 && px <= lastBB) {
      rejects++;
      return;
    }
  }
  setLive(side, 1);
  s(O_PX, side, px);
  s(O_TK, side, g(P_TK, side));
  store<i32>(OTKI + (<usize>side << 2), <i32>g(P_TK, side));
  s(O_SIZE, side, g(P_SIZE, side));
  s(O_QTS, side, g(P_QTS, side));
  const q = queue ? levelQty(side, g(O_TK, side), lastRow) : 0; // queue position only matters to the queue model
  s(O_FRONT, side, q > 0 ? q : 0);
  s(O_PREV, side, q > 0 ? q : 0);
  s(O_TRADED, side, 0);
  ordersPlaced++;
  if (validityMs > 0 && g(O_QTS, side) + validityMs < nextCheck) nextCheck = g(O_QTS, side) + validityMs;
}

function orderSize(price: f64): f64 {
  const raw = notionalP / price;
  if (origSizing || !(lot > 0)) return raw;
  return ticksToPrice(floorTicks(raw, lot), lot);
}

// size: the order size for px (orderSize(px), or 0 when px ≤ 0), memoised with the quote.
@inline function place(side: i32, px: f64, tk: f64, size: f64, ts: f64): void {
  setPending(side, 1);
  s(P_PX, side, px);
  s(P_TK, side, tk);
  s(P_SIZE, side, size);
  s(P_QTS, side, ts);
  s(P_LIVETS, side, ts + latencyMs);
  if (latencyMs <= 0) activate(side, ts);
  else if (ts + latencyMs < nextCheck) nextCheck = ts + latencyMs;
}

// Whether the live order on `side` has expired by time t.
@inline function expiredBy(side: i32, t: f64): bool {
  return validityMs > 0 && t >= g(O_QTS, side) + validityMs;
}

// End of the live order's time in the market up to ts: its expiry if that comes first.
@inline function liveUntil(side: i32, ts: f64): f64 {
  if (validityMs > 0) {
    const e = g(O_QTS, side) + validityMs;
    if (e < ts) return e;
  }
  return ts;
}

@inline function preEvent(ts: f64): void {
  if (!started) {
    started = true;
    firstTs = ts;
    prevTs = ts;
    nextSample = ts;
  }
  while (nextSample <= ts && nSamples < sampleCap) {
    const c = sampleCap, i = nSamples++;
    st(outSamples, 0 * c + i, nextSample);
    st(outSamples, 1 * c + i, cash);
    st(outSamples, 2 * c + i, inv);
    st(outSamples, 3 * c + i, lastMid);
    st(outSamples, 4 * c + i, live(BID) && !expiredBy(BID, nextSample) ? g(O_PX, BID) : NaN);
    st(outSamples, 5 * c + i, live(ASK) && !expiredBy(ASK, nextSample) ? g(O_PX, ASK) : NaN);
    nextSample += sampleMs;
  }
  const dt = ts - prevTs;
  if (dt > 0) {
    const a = Math.abs(inv);
    absInvTime += a * dt;
    if (a >= limitInv) limitTime += dt;
    const lb = live(BID), la = live(ASK);
    if (ts < nextCheck) {
      // no order expires before ts (nextCheck bounds every expiry from below): whole interval
      if (lb) bidTime += dt;
      if (la) askTime += dt;
      if (lb && la) bothTime += dt;
      if (lb || la) anyTime += dt;
    } else {
      // as the reference: a live quote counts until it expires, also across an event-free outage
      const eb = lb ? liveUntil(BID, ts) : prevTs;
      const ea = la ? liveUntil(ASK, ts) : prevTs;
      bidTime += eb - prevTs;
      askTime += ea - prevTs;
      bothTime += (eb < ea ? eb : ea) - prevTs;
      anyTime += (eb > ea ? eb : ea) - prevTs;
    }
    prevTs = ts;
  }
  if (ts >= nextCheck) checkOrders(ts);
}

// The reference checks both sides for an order going live or expiring on every event; here that
// runs only from `nextCheck`, a lower bound of the earliest such time (kept by place/activate;
// a refreshed quote only moves its expiry later, so a stale bound just triggers an early check).
@inline function checkOrders(ts: f64): void {
  for (let side = 0; side < 2; side++) {
    if (pending(side) && g(P_LIVETS, side) <= ts) activate(side, ts);
    if (live(side) && expiredBy(side, ts)) {
      setLive(side, 0);
      expired++;
    }
  }
  let next: f64 = Infinity;
  for (let side = 0; side < 2; side++) {
    if (pending(side) && g(P_LIVETS, side) < next) next = g(P_LIVETS, side);
    if (live(side) && validityMs > 0 && g(O_QTS, side) + validityMs < next) next = g(O_QTS, side) + validityMs;
  }
  nextCheck = next;
}

@inline function onTrade(j: i32): void {
  const ts = ld(trTs, j), px = ld(trPx, j), q = ld(trQty, j);
  const side = <i32>load<i8>(trSide + <usize>j);
  if (!queue) {
    if (live(ASK) && (cross ? px >= g(O_PX, ASK) : px > g(O_PX, ASK))) fill(ASK, g(O_SIZE, ASK), ts, px, <f64>j);
    else if (live(BID) && (cross ? px <= g(O_PX, BID) : px < g(O_PX, BID))) fill(BID, g(O_SIZE, BID), ts, px, <f64>j);
    return;
  }
  if (live(ASK)) {
    const a = g(O_PX, ASK);
    if (px > a) fill(ASK, g(O_SIZE, ASK), ts, px, <f64>j);
    else if (px == a && side >= 0) {
      s(O_TRADED, ASK, g(O_TRADED, ASK) + q);
      const front = g(O_FRONT, ASK);
      if (front >= q) s(O_FRONT, ASK, front - q);
      else {
        s(O_FRONT, ASK, 0);
        fill(ASK, Math.min(q - front, g(O_SIZE, ASK)), ts, px, <f64>j);
      }
    }
  }
  if (live(BID)) {
    const b = g(O_PX, BID);
    if (px < b) fill(BID, g(O_SIZE, BID), ts, px, <f64>j);
    else if (px == b && side <= 0) {
      s(O_TRADED, BID, g(O_TRADED, BID) + q);
      const front = g(O_FRONT, BID);
      if (front >= q) s(O_FRONT, BID, front - q);
      else {
        s(O_FRONT, BID, 0);
        fill(BID, Math.min(q - front, g(O_SIZE, BID)), ts, px, <f64>j);
      }
    }
  }
}

const ZERO2 = f64x2.splat(0);
const ONE2 = f64x2.splat(1);

// The reference's powQ on both lanes: explicit products for n = 1…4 (powN, resolved once per
// run), so the same bits; Math.pow per lane otherwise.
@inline function powQ2(x: v128): v128 {
  if (powN == 1) return x;
  const x2 = f64x2.mul(x, x);
  if (powN == 2) return x2;
  if (powN == 3) return f64x2.mul(x2, x);
  if (powN == 4) return f64x2.mul(x2, x2);
  return f64x2.replace_lane(f64x2.splat(Math.pow(f64x2.extract_lane(x, 0), queuePower)), 1, Math.pow(f64x2.extract_lane(x, 1), queuePower));
}

// v ? a : b per lane (v: a lane mask from a compare)
@inline function pick(a: v128, b: v128, m: v128): v128 { return v128.bitselect(a, b, m); }

/**
 * The queue update of both orders at once: lane 0 = bid, lane 1 = ask (their state slots are
 * adjacent in ORD). Per lane it is the reference's updateQueue: the same IEEE operations in the
 * same order, with every data-dependent choice made by a lane mask instead of a branch (the
 * sign of a size change is a coin flip on a noisy book, so branches mispredicted half the time).
 * A lane whose order is not live, or whose price is not in the row, is left untouched.
 */
@inline function updateQueues(row: i32): void {
  const lb = live(BID), la = live(ASK);
  let nqB: f64 = -1, nqA: f64 = -1;
  if (L != 0) {
    // row ≥ 0 (the current book row): levelQty without its carry-row branch
    const o = <usize>(row * L) << 2;
    if (lb) nqB = scanBid(bidTk + o, bidQ + o, g(O_TK, BID), load<i32>(OTKI));
    if (la) nqA = scanAsk(askTk + o, askQ + o, g(O_TK, ASK), load<i32>(OTKI, 4));
  }
  const okB = lb && nqB >= 0, okA = la && nqA >= 0;
  if (!(okB || okA)) return;
  const nq = f64x2.replace_lane(f64x2.splat(nqB), 1, nqA);
  const pPrev = ORD + (<usize>(O_PREV * 2) << 3), pTraded = ORD + (<usize>(O_TRADED * 2) << 3), pFront = ORD + (<usize>(O_FRONT * 2) << 3);
  const prev = v128.load(pPrev), traded = v128.load(pTraded), front0 = v128.load(pFront);
  const chg = f64x2.sub(f64x2.sub(prev, nq), traded);
  let front = front0;
  if (power) {
    const back = f64x2.sub(prev, front);
    const fb = powQ2(pick(back, ZERO2, f64x2.gt(back, ZERO2)));
    const ff = powQ2(pick(front, ZERO2, f64x2.gt(front, ZERO2)));
    let prob = f64x2.div(fb, f64x2.add(fb, ff));
    prob = pick(prob, ONE2, f64x2.eq(f64x2.sub(prob, prob), ZERO2));
    const x = f64x2.sub(back, f64x2.mul(prob, chg));
    const moved = f64x2.add(f64x2.sub(front, f64x2.mul(f64x2.sub(ONE2, prob), chg)), pick(x, ZERO2, f64x2.lt(x, ZERO2)));
    front = pick(moved, front, f64x2.gt(chg, ZERO2));
  }
  front = pick(nq, front, f64x2.gt(front, nq));
  front = pick(ZERO2, front, f64x2.lt(front, ZERO2));
  const ok = i64x2.replace_lane(i64x2.splat(okB ? -1 : 0), 1, okA ? -1 : 0);
  v128.store(pFront, pick(front, front0, ok));
  v128.store(pPrev, pick(nq, prev, ok));
  v128.store(pTraded, pick(ZERO2, traded, ok));
}

@inline function requoteSide(side: i32, px: f64, tk: f64, size: f64, ts: f64): void {
  if (everyUpdate && px > 0) {
    const pend = pending(side);
    if (pend ? g(P_PX, side) > 0 && sameBits(g(P_TK, side), tk) : live(side) && sameBits(g(O_TK, side), tk)) {
      if (pend) s(P_QTS, side, ts);
      if (live(side) && sameBits(g(O_TK, side), tk)) s(O_QTS, side, ts);
      return;
    }
  }
  place(side, px, tk, size, ts);
}

@inline function onBook(i: i32): void {
  const ts = ld(bookTs, i);
  if (haveBook && ts - lastBookTs > gapMs) {
    warmupEnd = ts + warmupMs;
    setLive(BID, 0); setLive(ASK, 0); setPending(BID, 0); setPending(ASK, 0);
  } else if (!haveBook) {
    warmupEnd = ts + warmupMs;
  }
  haveBook = true;
  lastBookTs = ts;
  const bb = ld(bestBid, i), ba = ld(bestAsk, i);
  const mid = bb > 0 && ba > 0 ? (bb + ba) / 2 : lastMid;
  lastMid = mid;
  lastBB = bb;
  lastBA = ba;
  lastRow = i;
  if (queue) {
    updateQueues(i);
    if (live(BID) && ba > 0 && ba <= g(O_PX, BID)) fill(BID, g(O_SIZE, BID), ts, g(O_PX, BID), FILL_BY_BOOK);
    if (live(ASK) && bb > 0 && bb >= g(O_PX, ASK)) fill(ASK, g(O_SIZE, ASK), ts, g(O_PX, ASK), FILL_BY_BOOK);
  }
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
  if (mid > 0) {
    quotes++;
    if (isRecal) qGen++;
    const e = qSlot(mid);
    if (!(sameBits(load<f64>(e, Q_GEN << 3), qGen) && sameBits(load<f64>(e, Q_MID << 3), mid) && sameBits(load<f64>(e, Q_INV << 3), inv))) {
      computeQuote(mid, inv, sigma, kb, ka);
      store<f64>(e, mid, Q_MID << 3); store<f64>(e, inv, Q_INV << 3); store<f64>(e, qGen, Q_GEN << 3);
      store<f64>(e, qBid, Q_BID << 3); store<f64>(e, qAsk, Q_ASK << 3);
      store<f64>(e, qBidTk, Q_BIDTK << 3); store<f64>(e, qAskTk, Q_ASKTK << 3);
      store<f64>(e, qGamma, Q_GAMMA << 3); store<f64>(e, qSpread, Q_SPREAD << 3);
      store<f64>(e, qBid > 0 ? orderSize(qBid) : 0, Q_BIDSZ << 3);
      store<f64>(e, qAsk > 0 ? orderSize(qAsk) : 0, Q_ASKSZ << 3);
    }
    qb = load<f64>(e, Q_BID << 3);
    qa = load<f64>(e, Q_ASK << 3);
    qg = load<f64>(e, Q_GAMMA << 3);
    qs = load<f64>(e, Q_SPREAD << 3);
    requoteSide(BID, qb, load<f64>(e, Q_BIDTK << 3), load<f64>(e, Q_BIDSZ << 3), ts);
    requoteSide(ASK, qa, load<f64>(e, Q_ASKTK << 3), load<f64>(e, Q_ASKSZ << 3), ts);
  }
  if (isRecal && nRows < rowCap) {
    const c = rowCap, k = nRows++;
    st(outRows, 0 * c + k, mid);
    st(outRows, 1 * c + k, inv);
    st(outRows, 2 * c + k, cash);
    st(outRows, 3 * c + k, qb);
    st(outRows, 4 * c + k, qa);
    st(outRows, 5 * c + k, qg);
    st(outRows, 6 * c + k, qs);
    st(outRows, 7 * c + k, bidFills);
    st(outRows, 8 * c + k, askFills);
  }
}

function onFunding(k: i32): void {
  const pay = -ld(fRate, k) * inv * lastMid;
  cash += pay;
  funding += pay;
}

function resetState(pb: usize): void {
  capital = ld(pb, P_CAPITAL); notionalP = ld(pb, P_NOTIONAL); lot = ld(pb, P_LOT); maxInv = ld(pb, P_MAXINV);
  maker = ld(pb, P_MAKER) / 1e4; taker = ld(pb, P_TAKER) / 1e4;
  cooldownMs = ld(pb, P_COOLDOWN); validityMs = ld(pb, P_VALIDITY); gapMs = ld(pb, P_GAP); warmupMs = ld(pb, P_WARMUP);
  latencyMs = ld(pb, P_LATENCY);
  limitInv = maxInv * (1 - 1e-9);
  queue = ld(pb, P_FILLMODEL) == 2; cross = ld(pb, P_FILLMODEL) == 0; power = ld(pb, P_QUEUEMODEL) == 1;
  queuePower = ld(pb, P_QUEUEPOWER);
  powN = queuePower == 1 ? 1 : queuePower == 2 ? 2 : queuePower == 3 ? 3 : queuePower == 4 ? 4 : 0;
  everyUpdate = ld(pb, P_REQUOTE) == 0; origSizing = ld(pb, P_ORIGSIZE) != 0;
  sampleMs = ld(pb, P_SAMPLE); postOnly = ld(pb, P_POSTONLY) != 0;
  setQuoteParams(
    <i32>ld(pb, P_GAMMAMODE), ld(pb, P_RAG), ld(pb, P_GMIN), ld(pb, P_GMAX), ld(pb, P_HORIZON), maxInv,
    ld(pb, P_TICK), ld(pb, P_SHIFT), ld(pb, P_MINBPS), ld(pb, P_MAXBPS), ld(pb, P_MAKER), ld(pb, P_MINVOL), ld(pb, P_MAXVOL),
  );
  cash = capital; inv = 0; lastMid = 0; lastBB = 0; lastBA = 0; lastRow = -1;
  bidFills = 0; askFills = 0; volume = 0; notional = 0; fees = 0; funding = 0; spreadCapture = 0;
  maxAbsInv = 0; nFills = 0; overflow = 0; ordersPlaced = 0; rejects = 0; expired = 0; quotes = 0;
  started = false; firstTs = 0; prevTs = 0; nextSample = 0; nSamples = 0;
  absInvTime = 0; limitTime = 0; bidTime = 0; askTime = 0; bothTime = 0; anyTime = 0;
  haveBook = false; lastBookTs = 0; warmupEnd = 0; nextCheck = Infinity;
  sp = 0; haveCal = false; sigma = 0; kb = 0; ka = 0; nRows = 0;
  qGen++; // the quote params and calibration change with the run
  memory.fill(ORD, 0, 8 * 2 * 16);
  memory.fill(FLAGS, 0, 16);
}

/** Starts a run: parameters in, state reset. Then btSetSchedule/btSetOutputs/btStep per chunk, btEnd. */
export function btBegin(pb: usize): void {
  resetState(pb);
}

/** The recalibrations whose book rows lie in the current chunk (indices relative to the chunk). */
export function btSetSchedule(nSched: i32, pSBook: usize, pSSigma: usize, pSKb: usize, pSKa: usize): void {
  nS = nSched; sBook = pSBook; sSigma = pSSigma; sKb = pSKb; sKa = pSKa;
  sp = 0;
}

/** Output buffers for the next step; the counts restart at 0 (the host collects after each step). */
export function btSetOutputs(pFills: usize, fCap: i32, pSamples: usize, sCap: i32, pRows: usize, rCap: i32): void {
  outFills = pFills; fillCap = fCap; outSamples = pSamples; sampleCap = sCap; outRows = pRows; rowCap = rCap;
  nFills = 0; nSamples = 0; nRows = 0;
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
      onFunding(ifd++);
      tf = ifd < nF ? ld(fTs, ifd) : Infinity;
    } else {
      preEvent(tt);
      onTrade(it++);
      tt = it < nT ? ld(trTs, it) : Infinity;
    }
  }
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

/** The current step's output counts, at their scalar-block offsets. */
export function btCounts(pScalars: usize): void {
  st(pScalars, S_NFILLS, <f64>nFills);
  st(pScalars, S_NSAMPLES, <f64>nSamples);
  st(pScalars, S_NROWS, <f64>nRows);
  st(pScalars, S_OVERFLOW, overflow);
}

/** Ends a run: closing trade, final sample, scalar results. */
export function btEnd(pScalars: usize): void {
  const invBefore = inv;
  let closeFee: f64 = 0, closeNotional: f64 = 0;
  if (inv != 0 && lastMid > 0) {
    const qty = Math.abs(inv);
    closeNotional = lastMid * qty;
    closeFee = closeNotional * taker;
    if (inv > 0) cash += closeNotional - closeFee;
    else cash -= closeNotional + closeFee;
    const side: f64 = inv > 0 ? -1 : 1;
    inv = 0;
    record(prevTs, side, lastMid, qty, closeFee, FILL_CLOSE);
  }
  if (started && nSamples < sampleCap) {
    const c = sampleCap, i = nSamples++;
    st(outSamples, 0 * c + i, prevTs);
    st(outSamples, 1 * c + i, cash);
    st(outSamples, 2 * c + i, inv);
    st(outSamples, 3 * c + i, lastMid);
    st(outSamples, 4 * c + i, NaN);
    st(outSamples, 5 * c + i, NaN);
  }
  const o = pScalars;
  st(o, S_CASH, cash); st(o, S_INV, inv); st(o, S_BIDFILLS, bidFills); st(o, S_ASKFILLS, askFills);
  st(o, S_VOLUME, volume); st(o, S_NOTIONAL, notional); st(o, S_FEES, fees); st(o, S_FUNDING, funding);
  st(o, S_CLOSEFEE, closeFee); st(o, S_CLOSEQTY, -invBefore); st(o, S_CLOSENOTIONAL, closeNotional);
  st(o, S_LASTMID, lastMid); st(o, S_SPREADCAP, spreadCapture); st(o, S_ABSINVTIME, absInvTime);
  st(o, S_MAXABSINV, maxAbsInv); st(o, S_LIMITTIME, limitTime); st(o, S_BIDTIME, bidTime); st(o, S_ASKTIME, askTime);
  st(o, S_BOTHTIME, bothTime); st(o, S_ANYTIME, anyTime); st(o, S_TOTALTIME, prevTs - firstTs);
  st(o, S_ORDERS, ordersPlaced); st(o, S_REJECTS, rejects); st(o, S_NFILLS, <f64>nFills); st(o, S_NSAMPLES, <f64>nSamples);
  st(o, S_FIRSTTS, firstTs); st(o, S_LASTTS, prevTs); st(o, S_OVERFLOW, overflow); st(o, S_QUOTES, quotes);
  st(o, S_NROWS, <f64>nRows); st(o, S_FINALEQ, cash + inv * lastMid); st(o, S_INVBEFORE, invBefore);
  st(o, S_EXPIRED, expired); st(o, S_CLOSEPRICE, lastMid);
}

/** Runs one simulation over the data set by btSetData; see src/core/backtest.ts for the host side. */
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
