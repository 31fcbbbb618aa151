/**
 * Cross margin for the one market of a run, a USD-margined perpetual (WASM twin:
 * wasm/assembly/margin.ts): the initial-margin check on new orders and fills, the
 * maintenance-margin watch that triggers liquidation, and the margin metrics. Off (leverage 0)
 * under the compatibility option `margin_model: "none"`: then buys are limited by cash instead
 * (account.ts) and nothing is liquidated. Rules and their source: docs/backtest.md "Margin".
 */
import { S } from "../layout.ts";
import { AfterLiquidation, type RunParams } from "../params.ts";

export class Margin {
  readonly on: boolean;
  readonly stopAfterLiquidation: boolean;
  private readonly leverage: number;
  private readonly mmr: number;
  private peakUsage = 0;
  private minDist = Infinity;
  private rejects = 0;

  constructor(p: RunParams) {
    this.leverage = p.leverage;
    this.mmr = p.maintenanceMarginRatio;
    this.on = p.leverage > 0;
    this.stopAfterLiquidation = p.afterLiquidation === AfterLiquidation.stop;
  }

  /**
   * Whether the account may go from position invBefore to invAfter, with equity equityAfter
   * afterwards, at the mark: a reduction always may; otherwise the initial margin
   * |invAfter| × mark / leverage must stay within the equity.
   */
  withinInitialMargin(invBefore: number, invAfter: number, equityAfter: number, mark: number): boolean {
    const q = Math.abs(invAfter);
    return q <= Math.abs(invBefore) || (q * mark) / this.leverage <= equityAfter;
  }

  /** An order refused because, filled in full, its initial margin would exceed the equity. */
  refused(): void {
    this.rejects++;
  }

  /**
   * The account at the mark (cash, position inv): updates peak margin usage (initial margin /
   * equity) and the minimum distance to the liquidation price (as a fraction of the mark);
   * returns whether the equity is below the maintenance margin |inv| × mark × ratio.
   */
  watch(cash: number, inv: number, mark: number): boolean {
    if (inv === 0 || !(mark > 0)) return false;
    const notional = Math.abs(inv) * mark;
    const eq = cash + inv * mark;
    const room = eq - notional * this.mmr;
    // the liquidation price p solves cash + inv·p = |inv|·p·mmr; its distance from the mark,
    // (mark − p)/mark for a long and (p − mark)/mark for a short, is room / den
    const den = notional * (inv > 0 ? 1 - this.mmr : 1 + this.mmr);
    if (room < this.minDist * den) this.minDist = room / den;
    const im = notional / this.leverage;
    if (eq > 0 && im > this.peakUsage * eq) this.peakUsage = im / eq;
    return room < 0;
  }

  writeScalars(sc: Float64Array): void {
    sc[S.marginRejects] = this.rejects;
    sc[S.peakMarginUsage] = this.peakUsage;
    sc[S.minLiqDistance] = this.minDist === Infinity ? 0 : this.minDist; // 0 with peak usage 0: never held a position
  }
}
