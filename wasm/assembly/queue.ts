// Queue position of our resting orders (fill model "queue"): the displayed size ahead of us at
// our price, advanced by trades at our price and by the book's level changes (risk-averse, or the
// power model that also credits cancels ahead). TS twin: src/sim/reference/queue.ts.
import { ASK, BID, CARRY, L, MAX_CARRY_LEVELS, askQ, askTk, bidQ, bidTk, ld } from "./market";
import { P_FILL_MODEL, P_QUEUE_MODEL, P_QUEUE_POWER } from "./generated/layout";

export let queue: bool = false, power: bool = false;
let queuePower: f64 = 0, powN: i32 = 0;

export function queueBegin(pb: usize): void {
  queue = ld(pb, P_FILL_MODEL) == 2;
  power = ld(pb, P_QUEUE_MODEL) == 1;
  queuePower = ld(pb, P_QUEUE_POWER);
  powN = queuePower == 1 ? 1 : queuePower == 2 ? 2 : queuePower == 3 ? 3 : queuePower == 4 ? 4 : 0;
  memory.fill(QS, 0, 8 * 2 * 3);
}

// Per side [bid, ask], adjacent so one v128 holds both: size ahead of us, the level's size at the
// last look, size traded at our price since then.
const QS = memory.data(8 * 2 * 3);
const FRONT = 0, PREV = 1, TRADED = 2;
@inline function qg(f: i32, side: i32): f64 { return load<f64>(QS + (<usize>(f * 2 + side) << 3)); }
@inline function qs(f: i32, side: i32, v: f64): void { store<f64>(QS + (<usize>(f * 2 + side) << 3), v); }

/**
 * Displayed size at tick `tk` on `side` in book row `row`: the level's size, 0 when the recorded
 * book reaches past `tk` without a level there, −1 when `tk` lies beyond the recorded depth
 * (unknown) or there is no row (−1). Row CARRY_ROW (−2) is the previous chunk's last row.
 */
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

/** A new order at tick tk joins the back of the level displayed in book row `row`. */
@inline export function queueJoin(side: i32, tk: f64, row: i32): void {
  const q = levelQty(side, tk, row);
  qs(FRONT, side, q > 0 ? q : 0);
  qs(PREV, side, q > 0 ? q : 0);
  qs(TRADED, side, 0);
}

/**
 * A trade of size q at our price on `side`: it consumes the size ahead of us first. Returns what
 * reaches our order (> 0), or 0 when the queue ahead absorbed it all.
 */
@inline export function queueTrade(side: i32, q: f64): f64 {
  qs(TRADED, side, qg(TRADED, side) + q);
  const front = qg(FRONT, side);
  if (front >= q) {
    qs(FRONT, side, front - q);
    return 0;
  }
  qs(FRONT, side, 0);
  return q - front;
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
 * Book row `row` arrived: the queue update of both orders at once, lane 0 = bid, lane 1 = ask
 * (lb/la: the side has a live order; its tick is at pTk + 8·side as f64, at pTki + 4·side as
 * i32 — read only when needed). Per lane it is the
 * reference's updateQueue: the same IEEE operations in the same order, with every data-dependent
 * choice made by a lane mask instead of a branch (the sign of a size change is a coin flip on a
 * noisy book, so branches mispredicted half the time). A lane whose order is not live, or whose
 * price is not in the row, is left untouched.
 */
@inline export function queueOnBook(row: i32, lb: bool, la: bool, pTk: usize, pTki: usize): void {
  let nqB: f64 = -1, nqA: f64 = -1;
  if (L != 0) {
    // row ≥ 0 (the current book row): levelQty without its carry-row branch
    const o = <usize>(row * L) << 2;
    if (lb) nqB = scanBid(bidTk + o, bidQ + o, load<f64>(pTk), load<i32>(pTki));
    if (la) nqA = scanAsk(askTk + o, askQ + o, load<f64>(pTk, 8), load<i32>(pTki, 4));
  }
  const okB = lb && nqB >= 0, okA = la && nqA >= 0;
  if (!(okB || okA)) return;
  const nq = f64x2.replace_lane(f64x2.splat(nqB), 1, nqA);
  const pPrev = QS + (<usize>(PREV * 2) << 3), pTraded = QS + (<usize>(TRADED * 2) << 3), pFront = QS + (<usize>(FRONT * 2) << 3);
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
