/**
 * Our two quotes (WASM twin: wasm/assembly/orders.ts): one live order and one pending replacement
 * per side, order latency, expiry, post-only, the initial-margin check, cooldown and warm-up, and the fill rules that match
 * them against trades and the book.
 */
import { floorTicks, ticksToPrice } from "../../model/ticks.ts";
import { FILL_BY_BOOK, S } from "../layout.ts";
import { FillModel, Requote, type RunParams } from "../params.ts";
import type { Account } from "./account.ts";
import type { Margin } from "./margin.ts";
import { ASK, BID, type Market } from "./market.ts";
import type { Queue } from "./queue.ts";

/** Order size for a quote at `price`: notional / price, rounded down to whole lots. */
export function orderSize(p: RunParams, price: number): number {
  const raw = p.orderNotional / price;
  if (p.originalSizing !== 0 || !(p.lotSize > 0)) return raw;
  return ticksToPrice(floorTicks(raw, p.lotSize), p.lotSize);
}

export class Orders {
  readonly everyUpdate: boolean;
  private readonly cross: boolean;
  // the live order per side [bid, ask]
  readonly live = [0, 0];
  readonly px = [0, 0];
  private readonly tk = [0, 0];
  private readonly size = [0, 0];
  private readonly quoteTs = [0, 0];
  private readonly lastFillTs = [0, 0];
  // its pending replacement
  private readonly pending = [0, 0];
  private readonly pPx = [0, 0];
  private readonly pTk = [0, 0];
  private readonly pSize = [0, 0];
  private readonly pQuoteTs = [0, 0];
  private readonly pLiveTs = [0, 0];
  private warmupEnd = 0;
  private placed = 0;
  private rejects = 0;
  private expired = 0;

  constructor(
    private readonly p: RunParams, private readonly m: Market, private readonly q: Queue,
    private readonly a: Account, private readonly margin: Margin,
  ) {
    this.everyUpdate = p.requote === Requote.every_update;
    this.cross = p.fillModel === FillModel.cross;
  }

  /**
   * The first book row, or the first after a gap (cancel: every order goes, as the exchange's
   * connection would have dropped): no fill until the warm-up from ts has passed.
   */
  restartWarmup(ts: number, cancel: boolean): void {
    this.warmupEnd = ts + this.p.warmupMs;
    if (cancel) this.cancelAll();
  }

  /** Every order goes (a gap, a liquidation). */
  cancelAll(): void {
    this.live[BID] = this.live[ASK] = this.pending[BID] = this.pending[ASK] = 0;
  }

  /** Tries to fill `wanted` of the live order on `side` (refPx: the price that reached it). */
  private fill(side: number, wanted: number, ts: number, refPx: number, trade: number): void {
    const p = this.p;
    if (ts < this.warmupEnd) return;
    const last = this.lastFillTs[side]!;
    if (last > 0 && ts < last + p.cooldownMs) return;
    let base = wanted;
    if (p.originalSizing !== 0) {
      const orig = p.orderNotional / refPx;
      base = this.q.on ? Math.min(wanted, orig) : orig;
    }
    const size = this.a.execute(side, this.px[side]!, base, ts, trade);
    if (!(size > 0)) return;
    this.lastFillTs[side] = ts;
    if (this.q.on) {
      this.size[side] = this.size[side]! - size;
      if (!(this.size[side]! > 1e-12 * size)) this.live[side] = 0;
    }
  }

  private activate(side: number, ts: number): void {
    const p = this.p, m = this.m;
    this.pending[side] = 0;
    this.live[side] = 0; // the replaced order is cancelled when its replacement arrives
    const px = this.pPx[side]!;
    if (!(px > 0) || !(this.pSize[side]! > 0)) return;
    if (p.validityMs > 0 && ts >= this.pQuoteTs[side]! + p.validityMs) {
      this.expired++;
      return;
    }
    if (p.postOnly !== 0 && (side === BID ? m.lastBA > 0 && px >= m.lastBA : m.lastBB > 0 && px <= m.lastBB)) {
      this.rejects++;
      return;
    }
    if (!this.a.placeable(side, px, this.pSize[side]!)) {
      this.margin.refused();
      return;
    }
    this.live[side] = 1;
    this.px[side] = px;
    this.tk[side] = this.pTk[side]!;
    this.size[side] = this.pSize[side]!;
    this.quoteTs[side] = this.pQuoteTs[side]!;
    if (this.q.on) this.q.join(side, this.tk[side]!, m.lastRow); // queue position only matters to the queue model
    this.placed++;
  }

  private place(side: number, px: number, tk: number, ts: number): void {
    this.pending[side] = 1;
    this.pPx[side] = px;
    this.pTk[side] = tk;
    this.pSize[side] = px > 0 ? orderSize(this.p, px) : 0;
    this.pQuoteTs[side] = ts;
    this.pLiveTs[side] = ts + this.p.latencyMs;
    if (this.p.latencyMs <= 0) this.activate(side, ts);
  }

  /**
   * A new quote for `side` at ts: replaces the order, or, requoting every update at the same tick,
   * keeps it (and its queue position) and refreshes its quote time.
   */
  requote(side: number, px: number, tk: number, ts: number): void {
    if (this.everyUpdate && px > 0) {
      const pend = this.pending[side];
      if (pend ? this.pPx[side]! > 0 && this.pTk[side] === tk : this.live[side] && this.tk[side] === tk) {
        if (pend) this.pQuoteTs[side] = ts;
        if (this.live[side] && this.tk[side] === tk) this.quoteTs[side] = ts;
        return;
      }
    }
    this.place(side, px, tk, ts);
  }

  /** Whether the live order on `side` has expired by time t. */
  expiredBy(side: number, t: number): boolean {
    return this.p.validityMs > 0 && t >= this.quoteTs[side]! + this.p.validityMs;
  }

  /** End of the live order's time in the market up to ts: its expiry if that comes first. */
  liveUntil(side: number, ts: number): number {
    if (this.p.validityMs > 0) {
      const e = this.quoteTs[side]! + this.p.validityMs;
      if (e < ts) return e;
    }
    return ts;
  }

  /** Before every event at ts: pending orders whose latency has elapsed go live, expired ones go. */
  check(ts: number): void {
    for (let side = 0; side < 2; side++) {
      if (this.pending[side] && this.pLiveTs[side]! <= ts) this.activate(side, ts);
      if (this.live[side] && this.expiredBy(side, ts)) {
        this.live[side] = 0;
        this.expired++;
      }
    }
  }

  /**
   * Trade j against our orders. cross/strict: a trade at (cross) or through (strict) our price fills
   * the whole order, the ask first. queue: a trade through our price fills the whole order; one at
   * our price on the aggressor side that hits us is first eaten by the queue ahead.
   */
  onTrade(j: number): void {
    const d = this.m.d, live = this.live, opx = this.px, osz = this.size;
    const ts = d.tradeTs[j]!, px = d.tradePx[j]!, q = d.tradeQty[j]!, side = d.tradeSide[j]!;
    if (!this.q.on) {
      if (live[ASK] && (this.cross ? px >= opx[ASK]! : px > opx[ASK]!)) this.fill(ASK, osz[ASK]!, ts, px, j);
      else if (live[BID] && (this.cross ? px <= opx[BID]! : px < opx[BID]!)) this.fill(BID, osz[BID]!, ts, px, j);
      return;
    }
    if (live[ASK]) {
      const a = opx[ASK]!;
      if (px > a) this.fill(ASK, osz[ASK]!, ts, px, j);
      else if (px === a && side >= 0) {
        const reach = this.q.trade(ASK, q);
        if (reach > 0) this.fill(ASK, Math.min(reach, osz[ASK]!), ts, px, j);
      }
    }
    if (live[BID]) {
      const b = opx[BID]!;
      if (px < b) this.fill(BID, osz[BID]!, ts, px, j);
      else if (px === b && side <= 0) {
        const reach = this.q.trade(BID, q);
        if (reach > 0) this.fill(BID, Math.min(reach, osz[BID]!), ts, px, j);
      }
    }
  }

  /** Book row `row` (best bid bb, best ask ba) under the queue model: queue positions move, and a
   * book that reaches through our price fills the whole order. */
  onBook(row: number, ts: number, bb: number, ba: number): void {
    const live = this.live, opx = this.px;
    if (live[BID]) this.q.onBook(BID, this.tk[BID]!, row);
    if (live[ASK]) this.q.onBook(ASK, this.tk[ASK]!, row);
    if (live[BID] && ba > 0 && ba <= opx[BID]!) this.fill(BID, this.size[BID]!, ts, opx[BID]!, FILL_BY_BOOK);
    if (live[ASK] && bb > 0 && bb >= opx[ASK]!) this.fill(ASK, this.size[ASK]!, ts, opx[ASK]!, FILL_BY_BOOK);
  }

  writeScalars(sc: Float64Array): void {
    sc[S.ordersPlaced] = this.placed;
    sc[S.postOnlyRejects] = this.rejects;
    sc[S.expired] = this.expired;
  }
}
