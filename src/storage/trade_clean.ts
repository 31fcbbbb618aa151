/**
 * The one data-cleaning rule for recorded trades, shared by every command that reads them
 * (backtest and sweep through EventDataBuilder, calculate_spread): a trade whose price or quantity
 * is missing, not finite or ≤ 0 is dropped as bad; a trade that repeats the previous kept trade
 * exactly (timestamp, price, quantity, side and, when ids are recorded, id) is dropped as a
 * duplicate. Both are counted, never silent.
 */
import type { TradeBatch } from "./types.ts";

export const KEPT = 0, BAD = 1, DUPLICATE = 2;

export class TradeCleaner {
  bad = 0;
  duplicates = 0;
  private any = false;
  private ts = 0;
  private px = 0;
  private qty = 0;
  private side = 0;
  private id: bigint | null = null;

  /** KEPT, BAD or DUPLICATE for trade i of t (trades must come in stored order). */
  judge(t: TradeBatch, i: number): number {
    const ts = t.timestampMs[i]!, px = t.price[i]!, qty = t.quantity[i]!;
    if (!(px > 0) || !Number.isFinite(px) || !(qty > 0) || !Number.isFinite(qty)) {
      this.bad++;
      return BAD;
    }
    const side = t.side[i]!;
    const id = t.tradeId ? t.tradeId[i]! : null;
    if (this.any && ts === this.ts && px === this.px && qty === this.qty && side === this.side && (id === null || id === this.id)) {
      this.duplicates++;
      return DUPLICATE;
    }
    this.any = true;
    this.ts = ts;
    this.px = px;
    this.qty = qty;
    this.side = side;
    this.id = id;
    return KEPT;
  }
}
