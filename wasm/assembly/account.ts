// The account: cash, position, fees and funding, the inventory limit, the margin check on fills
// (margin.ts; the cash check without it), liquidation and the closing trade, the fills ledger.
// TS twin: src/sim/reference/account.ts.
import { ASK, BID, lastMid, ld, st } from "./market";
import { marginOn, withinInitialMargin } from "./margin";
import { floorTicks, ticksToPrice } from "./quote";
import {
  F_CASH, F_FEE, F_INVENTORY, F_MID, F_PRICE, F_SIDE, F_SIZE, F_TRADE, F_TS, FILL_CLOSE, FILL_LIQUIDATION, P_LIQUIDATION_FEE_BPS,
  P_CAPITAL, P_LOT_SIZE, P_MAKER_FEE_BPS, P_MAX_INVENTORY, P_ORIGINAL_SIZING, P_TAKER_FEE_BPS,
  S_ASK_FILLS, S_BID_FILLS, S_CASH, S_CLOSE_FEE, S_CLOSE_NOTIONAL, S_CLOSE_PRICE, S_CLOSE_QTY, S_FINAL_EQUITY,
  S_FUNDING, S_INVENTORY, S_INV_BEFORE_CLOSE, S_LAST_MID, S_LIQUIDATIONS, S_LIQUIDATION_FEES, S_MAKER_FEES, S_MAX_ABS_INV, S_NOTIONAL, S_N_FILLS, S_OVERFLOW,
  S_SPREAD_CAPTURE, S_VOLUME,
} from "./generated/layout";

// params
export let maxInv: f64 = 0, lot: f64 = 0, origSizing: bool = false;
export let limitInv: f64 = 0; // maxInv × (1 − 1e-9), the 'at the limit' threshold
let maker: f64 = 0, taker: f64 = 0, liqFee: f64 = 0;

// state
export let cash: f64 = 0, inv: f64 = 0, bidFills: f64 = 0, askFills: f64 = 0;
let volume: f64 = 0, notional: f64 = 0, fees: f64 = 0, funding: f64 = 0, spreadCapture: f64 = 0, maxAbsInv: f64 = 0;
let invBefore: f64 = 0, closeFee: f64 = 0, closeNotional: f64 = 0, liquidations: f64 = 0, liqFees: f64 = 0;

// fills ledger (output)
let outFills: usize = 0, fillCap: i32 = 0;
export let nFills: i32 = 0, overflow: f64 = 0;

export function accountBegin(pb: usize): void {
  maxInv = ld(pb, P_MAX_INVENTORY); lot = ld(pb, P_LOT_SIZE); origSizing = ld(pb, P_ORIGINAL_SIZING) != 0;
  limitInv = maxInv * (1 - 1e-9);
  maker = ld(pb, P_MAKER_FEE_BPS) / 1e4; taker = ld(pb, P_TAKER_FEE_BPS) / 1e4; liqFee = ld(pb, P_LIQUIDATION_FEE_BPS) / 1e4;
  cash = ld(pb, P_CAPITAL); inv = 0; bidFills = 0; askFills = 0;
  volume = 0; notional = 0; fees = 0; funding = 0; spreadCapture = 0; maxAbsInv = 0;
  invBefore = 0; closeFee = 0; closeNotional = 0; liquidations = 0; liqFees = 0;
  nFills = 0; overflow = 0;
}

/** The fills table for the next step; its count restarts at 0 (the host collects after each step). */
export function accountSetOutput(pFills: usize, cap: i32): void {
  outFills = pFills; fillCap = cap; nFills = 0;
}

function record(ts: f64, side: f64, px: f64, size: f64, fee: f64, trade: f64): void {
  if (nFills >= fillCap) {
    overflow = 1;
    return;
  }
  const c = fillCap, i = nFills++;
  st(outFills, F_TS * c + i, ts);
  st(outFills, F_SIDE * c + i, side);
  st(outFills, F_PRICE * c + i, px);
  st(outFills, F_SIZE * c + i, size);
  st(outFills, F_FEE * c + i, fee);
  st(outFills, F_MID * c + i, lastMid);
  st(outFills, F_INVENTORY * c + i, inv);
  st(outFills, F_CASH * c + i, cash);
  st(outFills, F_TRADE * c + i, trade);
}

/**
 * A maker fill of up to `base` at px on `side`: clipped to the inventory limit (and to whole lots);
 * refused when the position it leaves needs more initial margin than the equity after it (margin
 * model), or, without the margin model, a buy that costs more cash than there is. Books and
 * records it; returns the size (0: none).
 */
export function execute(side: i32, px: f64, base: f64, ts: f64, trade: f64): f64 {
  let size: f64;
  let fee: f64;
  if (side == ASK) {
    if (!(inv > -maxInv)) return 0;
    size = Math.min(base, inv + maxInv);
    if (!origSizing && lot > 0) size = ticksToPrice(floorTicks(size, lot), lot);
    if (!(size > 0)) return 0;
    const proceeds = px * size;
    fee = proceeds * maker;
    if (marginOn && !withinInitialMargin(inv, inv - size, cash + (proceeds - fee) + (inv - size) * lastMid, lastMid)) return 0;
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
    if (marginOn) {
      if (!withinInitialMargin(inv, inv + size, cash - (cost + fee) + (inv + size) * lastMid, lastMid)) return 0;
    } else if (cash < cost + fee) return 0;
    inv += size;
    cash -= cost + fee;
    bidFills++;
    notional += cost;
    spreadCapture += (lastMid - px) * size;
  }
  volume += size;
  fees += fee;
  const a = Math.abs(inv);
  if (a > maxAbsInv) maxAbsInv = a;
  record(ts, side == BID ? 1 : -1, px, size, fee, trade);
  return size;
}

/** A funding payment at `rate`: a long pays a positive rate on its notional at the mark. */
export function onFunding(rate: f64): void {
  const pay = -rate * inv * lastMid;
  cash += pay;
  funding += pay;
}

/**
 * Whether an order of `size` at px on `side`, filled in full, leaves the account within its
 * initial margin (always true without the margin model).
 */
export function placeable(side: i32, px: f64, size: f64): bool {
  if (!marginOn) return true;
  const flow = px * size, fee = flow * maker;
  return side == ASK
    ? withinInitialMargin(inv, inv - size, cash + (flow - fee) + (inv - size) * lastMid, lastMid)
    : withinInitialMargin(inv, inv + size, cash - (flow + fee) + (inv + size) * lastMid, lastMid);
}

/** Closes the whole position at the mark paying feeRate on its notional; returns the fee. */
function closeAtMark(ts: f64, feeRate: f64, tag: f64): f64 {
  const qty = Math.abs(inv);
  const notional = lastMid * qty;
  const fee = notional * feeRate;
  if (inv > 0) cash += notional - fee;
  else cash -= notional + fee;
  const side: f64 = inv > 0 ? -1 : 1;
  inv = 0;
  record(ts, side, lastMid, qty, fee, tag);
  return fee;
}

/** Liquidation (margin.ts found equity below maintenance): closed at the mark, taker + liquidation fee. */
export function liquidate(ts: f64): void {
  liqFees += closeAtMark(ts, taker + liqFee, FILL_LIQUIDATION);
  liquidations++;
}

/** End of the run: the position is closed at the last mid with the taker fee. */
export function accountClose(ts: f64): void {
  invBefore = inv;
  closeFee = 0;
  closeNotional = 0;
  if (inv != 0 && lastMid > 0) {
    closeNotional = lastMid * Math.abs(inv);
    closeFee = closeAtMark(ts, taker, FILL_CLOSE);
  }
}

export function accountScalars(o: usize): void {
  st(o, S_CASH, cash); st(o, S_INVENTORY, inv); st(o, S_BID_FILLS, bidFills); st(o, S_ASK_FILLS, askFills);
  st(o, S_VOLUME, volume); st(o, S_NOTIONAL, notional); st(o, S_MAKER_FEES, fees); st(o, S_FUNDING, funding);
  st(o, S_CLOSE_FEE, closeFee); st(o, S_CLOSE_QTY, -invBefore); st(o, S_CLOSE_NOTIONAL, closeNotional);
  st(o, S_LAST_MID, lastMid); st(o, S_CLOSE_PRICE, lastMid); st(o, S_SPREAD_CAPTURE, spreadCapture);
  st(o, S_MAX_ABS_INV, maxAbsInv); st(o, S_FINAL_EQUITY, cash + inv * lastMid); st(o, S_INV_BEFORE_CLOSE, invBefore);
  st(o, S_N_FILLS, <f64>nFills); st(o, S_OVERFLOW, overflow); st(o, S_LIQUIDATIONS, liquidations); st(o, S_LIQUIDATION_FEES, liqFees);
}
