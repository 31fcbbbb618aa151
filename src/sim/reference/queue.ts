/**
 * Queue position of our resting orders (fill model "queue"; WASM twin: wasm/assembly/queue.ts):
 * the displayed size ahead of us at our price, advanced by trades at our price and by the book's
 * level changes — hftbacktest's risk-averse model, or its power model that also credits cancels
 * ahead of us with probability f(back) / (f(back) + f(front)), f(x) = x^n.
 */
import { FillModel, QueueModel, type RunParams } from "../params.ts";
import { BID, type Market } from "./market.ts";

/**
 * x^n for the power queue model. Small integer powers are explicit products, so the TS reference
 * and the WASM core compute the same bits (their Math.pow implementations may differ in the last
 * ulp) and the common n = 2, 3 avoid a pow call.
 */
export function powQ(x: number, n: number): number {
  if (n === 1) return x;
  if (n === 2) return x * x;
  if (n === 3) return x * x * x;
  if (n === 4) return x * x * (x * x);
  return Math.pow(x, n);
}

export class Queue {
  readonly on: boolean;
  private readonly power: boolean;
  private readonly n: number;
  /** Per side [bid, ask]: size ahead of us, the level's size at the last look, size traded at our price since. */
  private readonly front = [0, 0];
  private readonly prev = [0, 0];
  private readonly traded = [0, 0];

  constructor(p: RunParams, private readonly m: Market) {
    this.on = p.fillModel === FillModel.queue;
    this.power = p.queueModel === QueueModel.power;
    this.n = p.queuePower;
  }

  /**
   * Displayed size at tick `tk` on `side` in book row `row`: the level's size, 0 when the recorded
   * book reaches past `tk` without a level there, −1 when `tk` lies beyond the recorded depth
   * (unknown). Levels are best-first, so the scan stops at the first level past our price.
   */
  levelQty(side: number, tk: number, row: number): number {
    const d = this.m.d, L = d.levels;
    if (L === 0 || row < 0) return -1;
    const tks = side === BID ? d.bidTk : d.askTk;
    const qs = side === BID ? d.bidQ : d.askQ;
    const o = row * L;
    for (let l = 0; l < L; l++) {
      const v = tks[o + l]!;
      if (v === -1) continue;
      if (v === tk) return qs[o + l]!;
      const t = v >= 0 ? v : -v - 1.5; // off-grid level between two ticks (data.ts encodeTick)
      if (side === BID ? t < tk : t > tk) return 0;
    }
    return -1;
  }

  /** A new order at tick tk joins the back of the level displayed in book row `row`. */
  join(side: number, tk: number, row: number): void {
    const q = this.levelQty(side, tk, row);
    this.front[side] = q > 0 ? q : 0;
    this.prev[side] = q > 0 ? q : 0;
    this.traded[side] = 0;
  }

  /** A trade of size q at our price: it eats the size ahead of us first; returns what reaches us (0: none). */
  trade(side: number, q: number): number {
    this.traded[side] = this.traded[side]! + q;
    const front = this.front[side]!;
    if (front >= q) {
      this.front[side] = front - q;
      return 0;
    }
    this.front[side] = 0;
    return q - front;
  }

  /** Book row `row` shows our level (tick tk) anew: the size that left it moves us up. */
  onBook(side: number, tk: number, row: number): void {
    const nq = this.levelQty(side, tk, row);
    if (nq < 0) return;
    const prev = this.prev[side]!;
    const chg = prev - nq - this.traded[side]!;
    this.traded[side] = 0;
    this.prev[side] = nq;
    let front = this.front[side]!;
    if (this.power && chg > 0) {
      const back = prev - front;
      const fb = powQ(back > 0 ? back : 0, this.n);
      const ff = powQ(front > 0 ? front : 0, this.n);
      let prob = fb / (fb + ff);
      if (!Number.isFinite(prob)) prob = 1;
      const x = back - prob * chg;
      front = front - (1 - prob) * chg + (x < 0 ? x : 0); // not Math.min: the core picks by compare (same bits for finite x)
    }
    if (front > nq) front = nq;
    if (front < 0) front = 0;
    this.front[side] = front;
  }
}
