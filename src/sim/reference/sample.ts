/**
 * What the run reports over time (WASM twin: wasm/assembly/sample.ts): equity samples on a fixed
 * grid, time-weighted exposure and quote uptime, and one row per recalibration.
 */
import { Q, R, S, type RunBuffers } from "../layout.ts";
import type { RunParams } from "../params.ts";
import type { Account } from "./account.ts";
import { ASK, BID, type Market } from "./market.ts";
import type { Orders } from "./orders.ts";

export class Sampler {
  started = false;
  /** Time of the latest event. */
  prevTs = 0;
  private firstTs = 0;
  private nextSample = 0;
  private nSamples = 0;
  private nRows = 0;
  private absInvTime = 0;
  private limitTime = 0;
  private bidTime = 0;
  private askTime = 0;
  private bothTime = 0;
  private anyTime = 0;
  private readonly limitInv: number;

  constructor(
    private readonly p: RunParams, private readonly m: Market, private readonly a: Account,
    private readonly o: Orders, private readonly out: RunBuffers,
  ) {
    this.limitInv = p.maxInventory * (1 - 1e-9); // 'at the limit'
  }

  private write(t: number, bid: number, ask: number): void {
    const c = this.out.sampleCap, q = this.out.samples, i = this.nSamples++;
    q[Q.ts * c + i] = t;
    q[Q.cash * c + i] = this.a.cash;
    q[Q.inventory * c + i] = this.a.inv;
    q[Q.mid * c + i] = this.m.lastMid;
    q[Q.bid * c + i] = bid;
    q[Q.ask * c + i] = ask;
  }

  /** Time moves on to the event at ts: the grid samples due, then the time-weighted accumulators. */
  until(ts: number): void {
    const o = this.o;
    if (!this.started) {
      this.started = true;
      this.firstTs = this.prevTs = this.nextSample = ts;
    }
    while (this.nextSample <= ts && this.nSamples < this.out.sampleCap) {
      const t = this.nextSample;
      this.write(t, o.live[BID] && !o.expiredBy(BID, t) ? o.px[BID]! : NaN, o.live[ASK] && !o.expiredBy(ASK, t) ? o.px[ASK]! : NaN);
      this.nextSample += this.p.sampleMs;
    }
    const prev = this.prevTs, dt = ts - prev;
    if (dt > 0) {
      const inv = Math.abs(this.a.inv);
      this.absInvTime += inv * dt;
      if (inv >= this.limitInv) this.limitTime += dt;
      // a live quote counts until it expires, also when no event falls in between (an outage):
      // expiry is only acted on at the next event, but the quote was not in the market after it
      const eb = o.live[BID] ? o.liveUntil(BID, ts) : prev;
      const ea = o.live[ASK] ? o.liveUntil(ASK, ts) : prev;
      this.bidTime += eb - prev;
      this.askTime += ea - prev;
      this.bothTime += (eb < ea ? eb : ea) - prev;
      this.anyTime += (eb > ea ? eb : ea) - prev;
      this.prevTs = ts;
    }
  }

  /** The row of a recalibration: the quote it produced and the account at that moment. */
  recordRow(mid: number, bid: number, ask: number, gamma: number, spread: number): void {
    if (this.nRows >= this.out.rowCap) return;
    const c = this.out.rowCap, r = this.out.rows, k = this.nRows++, a = this.a;
    r[R.mid * c + k] = mid;
    r[R.inventory * c + k] = a.inv;
    r[R.cash * c + k] = a.cash;
    r[R.bid * c + k] = bid;
    r[R.ask * c + k] = ask;
    r[R.gamma * c + k] = gamma;
    r[R.spread * c + k] = spread;
    r[R.bidFills * c + k] = a.bidFills;
    r[R.askFills * c + k] = a.askFills;
  }

  /** The sample after the closing trade, at the last event's time. */
  finalSample(): void {
    if (this.started && this.nSamples < this.out.sampleCap) this.write(this.prevTs, NaN, NaN);
  }

  writeScalars(sc: Float64Array): void {
    sc[S.absInvTime] = this.absInvTime;
    sc[S.limitTime] = this.limitTime;
    sc[S.bidLiveTime] = this.bidTime;
    sc[S.askLiveTime] = this.askTime;
    sc[S.bothLiveTime] = this.bothTime;
    sc[S.anyLiveTime] = this.anyTime;
    sc[S.totalTime] = this.prevTs - this.firstTs;
    sc[S.firstTs] = this.firstTs;
    sc[S.lastTs] = this.prevTs;
    sc[S.nSamples] = this.nSamples;
    sc[S.nRows] = this.nRows;
  }
}
