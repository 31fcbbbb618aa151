/**
 * The account (WASM twin: wasm/assembly/account.ts): cash, position, maker fees, funding, the
 * inventory limit, the closing trade, and the fills ledger.
 */
import { floorTicks, ticksToPrice } from "../../model/ticks.ts";
import { F, FILL_CLOSE, S, type RunBuffers } from "../layout.ts";
import type { RunParams } from "../params.ts";
import { ASK, BID, type Market } from "./market.ts";

export class Account {
  readonly maxInv: number;
  private readonly maker: number;
  private readonly taker: number;
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
  nFills = 0;
  overflow = 0;

  constructor(private readonly p: RunParams, private readonly m: Market, private readonly out: RunBuffers) {
    this.maxInv = p.maxInventory;
    this.maker = p.makerFeeBps / 1e4;
    this.taker = p.takerFeeBps / 1e4;
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
   * A maker fill of up to `base` at px on `side`: clipped to the inventory limit (and to whole lots),
   * a buy also to the cash it costs with its fee. Books and records it; returns the size (0: none).
   */
  execute(side: number, px: number, base: number, ts: number, trade: number): number {
    const maxInv = this.maxInv, mid = this.m.lastMid;
    let size: number;
    let fee: number;
    if (side === ASK) {
      if (!(this.inv > -maxInv)) return 0;
      size = this.roundLots(Math.min(base, this.inv + maxInv));
      if (!(size > 0)) return 0;
      const proceeds = px * size;
      fee = proceeds * this.maker;
      this.inv -= size;
      this.cash += proceeds - fee;
      this.askFills++;
      this.notional += proceeds;
      this.spreadCapture += (px - mid) * size;
    } else {
      if (!(this.inv < maxInv)) return 0;
      size = this.roundLots(Math.min(base, maxInv - this.inv));
      if (!(size > 0)) return 0;
      const cost = px * size;
      fee = cost * this.maker;
      if (this.cash < cost + fee) return 0;
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

  /** End of the run: the position is closed at the last mid with the taker fee. */
  close(ts: number): void {
    const inv = this.inv, mid = this.m.lastMid;
    this.invBefore = inv;
    if (inv !== 0 && mid > 0) {
      const qty = Math.abs(inv);
      this.closeNotional = mid * qty;
      this.closeFee = this.closeNotional * this.taker;
      if (inv > 0) this.cash += this.closeNotional - this.closeFee;
      else this.cash -= this.closeNotional + this.closeFee;
      this.inv = 0;
      this.record(ts, inv > 0 ? -1 : 1, mid, qty, this.closeFee, FILL_CLOSE);
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
  }
}
