/** The market the reference loop replays: the event data and the book in force (WASM twin: wasm/assembly/market.ts). */
import type { EventData } from "../data.ts";

export const BID = 0;
export const ASK = 1;

export class Market {
  /** The mid of the latest two-sided book row: the mark for fills, funding, equity and the close. */
  lastMid = 0;
  lastBB = 0;
  lastBA = 0;
  /** Index of the book row in force (−1: none yet). */
  lastRow = -1;

  constructor(readonly d: EventData) {}

  /** Book row i becomes the book in force; returns the mid, which a row without both sides leaves where it was. */
  setBook(i: number): number {
    const bb = this.d.bestBid[i]!, ba = this.d.bestAsk[i]!;
    this.lastMid = bb > 0 && ba > 0 ? (bb + ba) / 2 : this.lastMid;
    this.lastBB = bb;
    this.lastBA = ba;
    this.lastRow = i;
    return this.lastMid;
  }
}
