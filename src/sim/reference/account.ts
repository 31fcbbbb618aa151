/**
 * The account (WASM twin: wasm/assembly/account.ts): cash, position, maker fees, funding, the
 * inventory limit, the margin check on fills (margin.ts; the cash check without it), liquidation
 * and the closing trade, and the fills ledger.
 */
import { floorTicks, ticksToPrice } from "../../model/ticks.ts";
import { F, FILL_CLOSE, FILL_LIQUIDATION, S, type RunBuffers } from "../layout.ts";
import type { RunParams } from "../params.ts";
import type { Margin } from "./margin.ts";
import { ASK, BID, type Market } from "./market.ts";

export class Account {
  readonly maxInv: number;
  private readonly maker: number;
  private readonly taker: number;
  private readonly liqFee: number;
  cash: number;
  inv = 0;
  bidFills = 0;
  askFills = 0;
  private volume = 0;
  private notional = 0;
  private fees = 0;
  private funding = 0;
  private spreadCapture = 0;
  private maxAbsInv = 0;
  private invBefore = 0;
  private closeFee = 0;
  private closeNotional = 0;
  private liquidations = 0;
  private liqFees = 0;
  nFills = 0;
  overflow = 0;

  constructor(private readonly p: RunParams, private readonly m: Market, private readonly margin: Margin, private readonly out: RunBuffers) {
    this.maxInv = p.maxInventory;
    this.maker = p.makerFeeBps / 1e4;
    this.taker = p.takerFeeBps / 1e4;
    this.liqFee = p.liquidationFeeBps / 1e4;
    this.cash = p.capital;
  }

  private record(ts: number, side: number, px: number, size: number, fee: number, trade: number): void {
    const out = this.out;
    if (this.nFills >= out.fillCap) {
      this.overflow = 1;
      return;
    }
    const c = out.fillCap, f = out.fills, i = this.nFills++;
    f[F.ts * c + i] = ts;
    f[F.side * c + i] = side;
    f[F.price * c + i] = px;
    f[F.size * c + i] = size;
    f[F.fee * c + i] = fee;
    f[F.mid * c + i] = this.m.lastMid;
    f[F.inventory * c + i] = this.inv;
    f[F.cash * c + i] = this.cash;
    f[F.trade * c + i] = trade;
  }

  private roundLots(size: number): number {
    const p = this.p;
    return p.originalSizing === 0 && p.lotSize > 0 ? ticksToPrice(floorTicks(size, p.lotSize), p.lotSize) : size;
  }

  /**
   * A maker fill of up to `base` at px on `side`: clipped to the inventory limit (and to whole lots);
   * refused when the position it leaves needs more initial margin than the equity after it (margin
   * model), or, without the margin model, a buy that costs more cash than there is. Books and
   * records it; returns the size (0: none).
   */
  execute(side: number, px: number, base: number, ts: number, trade: number): number {
    const maxInv = this.maxInv, mid = this.m.lastMid, margin = this.margin, inv = this.inv, cash = this.cash;
    let size: number;
    let fee: number;
    if (side === ASK) {
      if (!(inv > -maxInv)) return 0;
      size = this.roundLots(Math.min(base, inv + maxInv));
      if (!(size > 0)) return 0;
      const proceeds = px * size;
      fee = proceeds * this.maker;
      if (margin.on && !margin.withinInitialMargin(inv, inv - size, cash + (proceeds - fee) + (inv - size) * mid, mid)) return 0;
      this.inv -= size;
      this.cash += proceeds - fee;
      this.askFills++;
      this.notional += proceeds;
      this.spreadCapture += (px - mid) * size;
    } else {
      if (!(inv < maxInv)) return 0;
      size = this.roundLots(Math.min(base, maxInv - inv));
      if (!(size > 0)) return 0;
      const cost = px * size;
      fee = cost * this.maker;
      if (margin.on) {
        if (!margin.withinInitialMargin(inv, inv + size, cash - (cost + fee) + (inv + size) * mid, mid)) return 0;
      } else if (cash < cost + fee) return 0;
      this.inv += size;
      this.cash -= cost + fee;
      this.bidFills++;
      this.notional += cost;
      this.spreadCapture += (mid - px) * size;
    }
    this.volume += size;
    this.fees += fee;
    const a = Math.abs(this.inv);
    if (a > this.maxAbsInv) this.maxAbsInv = a;
    this.record(ts, side === BID ? 1 : -1, px, size, fee, trade);
    return size;
  }

  /** A funding payment at `rate`: a long pays a positive rate on its notional at the mark. */
  onFunding(rate: number): void {
    const pay = -rate * this.inv * this.m.lastMid;
    this.cash += pay;
    this.funding += pay;
  }

  /**
   * Whether an order of `size` at px on `side`, filled in full, leaves the account within its
   * initial margin (always true without the margin model).
   */
  placeable(side: number, px: number, size: number): boolean {
    const margin = this.margin, inv = this.inv, cash = this.cash, mid = this.m.lastMid;
    if (!margin.on) return true;
    const flow = px * size, fee = flow * this.maker;
    return side === ASK
      ? margin.withinInitialMargin(inv, inv - size, cash + (flow - fee) + (inv - size) * mid, mid)
      : margin.withinInitialMargin(inv, inv + size, cash - (flow + fee) + (inv + size) * mid, mid);
  }

  /** Closes the whole position at the mark paying feeRate on its notional; returns the fee. */
  private closeAtMark(ts: number, feeRate: number, tag: number): number {
    const inv = this.inv, mid = this.m.lastMid, qty = Math.abs(inv);
    const notional = mid * qty;
    const fee = notional * feeRate;
    if (inv > 0) this.cash += notional - fee;
    else this.cash -= notional + fee;
    this.inv = 0;
    this.record(ts, inv > 0 ? -1 : 1, mid, qty, fee, tag);
    return fee;
  }

  /** Liquidation (equity below the maintenance margin): closed at the mark, taker + liquidation fee. */
  liquidate(ts: number): void {
    this.liqFees += this.closeAtMark(ts, this.taker + this.liqFee, FILL_LIQUIDATION);
    this.liquidations++;
  }

  /** End of the run: the position is closed at the last mid with the taker fee. */
  close(ts: number): void {
    const inv = this.inv, mid = this.m.lastMid;
    this.invBefore = inv;
    if (inv !== 0 && mid > 0) {
      this.closeNotional = mid * Math.abs(inv);
      this.closeFee = this.closeAtMark(ts, this.taker, FILL_CLOSE);
    }
  }

  writeScalars(sc: Float64Array): void {
    const mid = this.m.lastMid;
    sc[S.cash] = this.cash;
    sc[S.inventory] = this.inv;
    sc[S.bidFills] = this.bidFills;
    sc[S.askFills] = this.askFills;
    sc[S.volume] = this.volume;
    sc[S.notional] = this.notional;
    sc[S.makerFees] = this.fees;
    sc[S.funding] = this.funding;
    sc[S.closeFee] = this.closeFee;
    sc[S.closeQty] = -this.invBefore;
    sc[S.closeNotional] = this.closeNotional;
    sc[S.lastMid] = mid;
    sc[S.closePrice] = mid;
    sc[S.spreadCapture] = this.spreadCapture;
    sc[S.maxAbsInv] = this.maxAbsInv;
    sc[S.finalEquity] = this.cash + this.inv * mid;
    sc[S.invBeforeClose] = this.invBefore;
    sc[S.nFills] = this.nFills;
    sc[S.overflow] = this.overflow;
    sc[S.liquidations] = this.liquidations;
    sc[S.liquidationFees] = this.liqFees;
  }
}
