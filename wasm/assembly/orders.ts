// Our two quotes: one live order and one pending replacement per side, order latency, expiry,
// post-only, the initial-margin check, cooldown and warm-up, and the fill rules that match them against trades and the
// book. TS twin: src/sim/reference/orders.ts.
import { execute, lot, origSizing, placeable } from "./account";
import { marginRefused } from "./margin";
import { ASK, BID, lastBA, lastBB, lastRow, ld, st, trPx, trQty, trSide, trTs } from "./market";
import { queue, queueJoin, queueOnBook, queueTrade } from "./queue";
import { floorTicks, ticksToPrice } from "./quote";
import {
  FILL_BY_BOOK, P_COOLDOWN_MS, P_FILL_MODEL, P_LATENCY_MS, P_ORDER_NOTIONAL, P_POST_ONLY, P_REQUOTE,
  P_VALIDITY_MS, P_WARMUP_MS, S_EXPIRED, S_ORDERS_PLACED, S_POST_ONLY_REJECTS,
} from "./generated/layout";

// params
let notionalP: f64 = 0, cooldownMs: f64 = 0, warmupMs: f64 = 0, latencyMs: f64 = 0;
export let validityMs: f64 = 0, everyUpdate: bool = false;
let cross: bool = false, postOnly: bool = false;

// state
let warmupEnd: f64 = 0, ordersPlaced: f64 = 0, rejects: f64 = 0, expired: f64 = 0;
/** A lower bound of the next time an order goes live or expires (∞: none pending or expiring). */
export let nextCheck: f64 = Infinity;

// Per-side order fields [bid, ask] in static memory (no heap: the host resets the heap between
// data sets). O_*: the live order; PD_*: the pending replacement.
const ORD = memory.data(8 * 2 * 10);
export const O_PX = 0, O_TK = 1, O_SIZE = 2, O_QTS = 3, O_LASTFILL = 4;
const PD_PX = 5, PD_TK = 6, PD_SIZE = 7, PD_QTS = 8, PD_LIVETS = 9;
@inline export function g(f: i32, side: i32): f64 { return load<f64>(ORD + (<usize>(f * 2 + side) << 3)); }
@inline function s(f: i32, side: i32, v: f64): void { store<f64>(ORD + (<usize>(f * 2 + side) << 3), v); }
const OTKI = memory.data(8); // O_TK as i32 per side (the queue scans compare integer ticks)
// The two flags per side as i32 (an f64 != 0 test is two branches in JSC: NaN parity, then zero)
const FLAGS = memory.data(16); // order live [bid, ask], replacement pending [bid, ask]
@inline export function live(side: i32): bool { return load<i32>(FLAGS + (<usize>side << 2)) != 0; }
@inline function setLive(side: i32, v: i32): void { store<i32>(FLAGS + (<usize>side << 2), v); }
@inline function pending(side: i32): bool { return load<i32>(FLAGS + 8 + (<usize>side << 2)) != 0; }
@inline function setPending(side: i32, v: i32): void { store<i32>(FLAGS + 8 + (<usize>side << 2), v); }

// f64 equality by bits: one integer compare (JSC tests an f64 == with two branches, parity then
// zero). It differs from == only for NaN and ±0: a memo key that differs only so is a harmless
// miss, and quote ticks compared this way are positive integers (a tick ≤ 0 never reaches them).
@inline export function sameBits(a: f64, b: f64): bool { return reinterpret<i64>(a) == reinterpret<i64>(b); }

export function ordersBegin(pb: usize): void {
  notionalP = ld(pb, P_ORDER_NOTIONAL); cooldownMs = ld(pb, P_COOLDOWN_MS); validityMs = ld(pb, P_VALIDITY_MS);
  warmupMs = ld(pb, P_WARMUP_MS); latencyMs = ld(pb, P_LATENCY_MS);
  cross = ld(pb, P_FILL_MODEL) == 0; everyUpdate = ld(pb, P_REQUOTE) == 0; postOnly = ld(pb, P_POST_ONLY) != 0;
  warmupEnd = 0; ordersPlaced = 0; rejects = 0; expired = 0; nextCheck = Infinity;
  memory.fill(ORD, 0, 8 * 2 * 10);
  memory.fill(FLAGS, 0, 16);
}

/** Order size for a quote at `price`: notional / price, rounded down to whole lots. */
export function orderSize(price: f64): f64 {
  const raw = notionalP / price;
  if (origSizing || !(lot > 0)) return raw;
  return ticksToPrice(floorTicks(raw, lot), lot);
}

/**
 * The first book row, or the first after a gap (cancel: every order goes, as the exchange's
 * connection would have dropped): no fill until the warm-up from ts has passed.
 */
@inline export function restartWarmup(ts: f64, cancel: bool): void {
  warmupEnd = ts + warmupMs;
  if (cancel) cancelAll();
}

/** Every order goes (a liquidation). */
export function cancelAll(): void {
  setLive(BID, 0); setLive(ASK, 0); setPending(BID, 0); setPending(ASK, 0);
}

/** Tries to fill `wanted` of the live order on `side` (refPx: the price that reached it). */
function fill(side: i32, wanted: f64, ts: f64, refPx: f64, trade: f64): void {
  if (ts < warmupEnd) return;
  const last = g(O_LASTFILL, side);
  if (last > 0 && ts < last + cooldownMs) return;
  let base = wanted;
  if (origSizing) {
    const orig = notionalP / refPx;
    base = queue ? Math.min(wanted, orig) : orig;
  }
  const size = execute(side, g(O_PX, side), base, ts, trade);
  if (!(size > 0)) return;
  s(O_LASTFILL, side, ts);
  if (queue) {
    s(O_SIZE, side, g(O_SIZE, side) - size);
    if (!(g(O_SIZE, side) > 1e-12 * size)) setLive(side, 0);
  }
}

@inline function activate(side: i32, ts: f64): void {
  setPending(side, 0);
  setLive(side, 0); // the replaced order is cancelled when its replacement arrives
  const px = g(PD_PX, side);
  if (!(px > 0) || !(g(PD_SIZE, side) > 0)) return;
  if (validityMs > 0 && ts >= g(PD_QTS, side) + validityMs) {
    expired++;
    return;
  }
  if (postOnly) {
    if (side == BID ? lastBA > 0 && px >= lastBA : lastBB > 0 && px <= lastBB) {
      rejects++;
      return;
    }
  }
  if (!placeable(side, px, g(PD_SIZE, side))) {
    marginRefused();
    return;
  }
  setLive(side, 1);
  s(O_PX, side, px);
  s(O_TK, side, g(PD_TK, side));
  store<i32>(OTKI + (<usize>side << 2), <i32>g(PD_TK, side));
  s(O_SIZE, side, g(PD_SIZE, side));
  s(O_QTS, side, g(PD_QTS, side));
  if (queue) queueJoin(side, g(O_TK, side), lastRow); // queue position only matters to the queue model
  ordersPlaced++;
  if (validityMs > 0 && g(O_QTS, side) + validityMs < nextCheck) nextCheck = g(O_QTS, side) + validityMs;
}

// size: the order size for px (orderSize(px), or 0 when px ≤ 0), memoised with the quote.
@inline function place(side: i32, px: f64, tk: f64, size: f64, ts: f64): void {
  setPending(side, 1);
  s(PD_PX, side, px);
  s(PD_TK, side, tk);
  s(PD_SIZE, side, size);
  s(PD_QTS, side, ts);
  s(PD_LIVETS, side, ts + latencyMs);
  if (latencyMs <= 0) activate(side, ts);
  else if (ts + latencyMs < nextCheck) nextCheck = ts + latencyMs;
}

/** A new quote for `side` at ts: replaces the order, or, requoting every update at the same
 * tick, keeps it (and its queue position) and refreshes its quote time. */
@inline export function requote(side: i32, px: f64, tk: f64, size: f64, ts: f64): void {
  if (everyUpdate && px > 0) {
    const pend = pending(side);
    if (pend ? g(PD_PX, side) > 0 && sameBits(g(PD_TK, side), tk) : live(side) && sameBits(g(O_TK, side), tk)) {
      if (pend) s(PD_QTS, side, ts);
      if (live(side) && sameBits(g(O_TK, side), tk)) s(O_QTS, side, ts);
      return;
    }
  }
  place(side, px, tk, size, ts);
}

/** Whether the live order on `side` has expired by time t. */
@inline export function expiredBy(side: i32, t: f64): bool {
  return validityMs > 0 && t >= g(O_QTS, side) + validityMs;
}

/** End of the live order's time in the market up to ts: its expiry if that comes first. */
@inline export function liveUntil(side: i32, ts: f64): f64 {
  if (validityMs > 0) {
    const e = g(O_QTS, side) + validityMs;
    if (e < ts) return e;
  }
  return ts;
}

// The reference checks both sides for an order going live or expiring on every event; here that
// runs only from `nextCheck`, a lower bound of the earliest such time (kept by place/activate;
// a refreshed quote only moves its expiry later, so a stale bound just triggers an early check).
@inline export function checkOrders(ts: f64): void {
  for (let side = 0; side < 2; side++) {
    if (pending(side) && g(PD_LIVETS, side) <= ts) activate(side, ts);
    if (live(side) && expiredBy(side, ts)) {
      setLive(side, 0);
      expired++;
    }
  }
  let next: f64 = Infinity;
  for (let side = 0; side < 2; side++) {
    if (pending(side) && g(PD_LIVETS, side) < next) next = g(PD_LIVETS, side);
    if (live(side) && validityMs > 0 && g(O_QTS, side) + validityMs < next) next = g(O_QTS, side) + validityMs;
  }
  nextCheck = next;
}

/**
 * Trade j against our orders. cross/strict: a trade at (cross) or through (strict) our price fills
 * the whole order, the ask first. queue: a trade through our price fills the whole order; one at
 * our price on the aggressor side that hits us is first eaten by the queue ahead.
 */
@inline export function onTrade(j: i32): void {
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
      const reach = queueTrade(ASK, q);
      if (reach > 0) fill(ASK, Math.min(reach, g(O_SIZE, ASK)), ts, px, <f64>j);
    }
  }
  if (live(BID)) {
    const b = g(O_PX, BID);
    if (px < b) fill(BID, g(O_SIZE, BID), ts, px, <f64>j);
    else if (px == b && side <= 0) {
      const reach = queueTrade(BID, q);
      if (reach > 0) fill(BID, Math.min(reach, g(O_SIZE, BID)), ts, px, <f64>j);
    }
  }
}

/** Book row `row` (best bid bb, best ask ba) under the queue model: queue positions move, and a
 * book that reaches through our price fills the whole order. */
@inline export function ordersOnBook(row: i32, ts: f64, bb: f64, ba: f64): void {
  queueOnBook(row, live(BID), live(ASK), ORD + (<usize>(O_TK * 2) << 3), OTKI);
  if (live(BID) && ba > 0 && ba <= g(O_PX, BID)) fill(BID, g(O_SIZE, BID), ts, g(O_PX, BID), FILL_BY_BOOK);
  if (live(ASK) && bb > 0 && bb >= g(O_PX, ASK)) fill(ASK, g(O_SIZE, ASK), ts, g(O_PX, ASK), FILL_BY_BOOK);
}

export function ordersScalars(o: usize): void {
  st(o, S_ORDERS_PLACED, ordersPlaced); st(o, S_POST_ONLY_REJECTS, rejects); st(o, S_EXPIRED, expired);
}
