import { describe, expect, test } from "bun:test";
import type { Summary } from "../../src/backtest/metrics.ts";
import type { Attribution } from "../../src/report/attribution.ts";
import { DEFAULT_A, DEFAULT_KAPPA } from "../../src/model/intensity.ts";
import type { MarkoutStat } from "../../src/report/markouts.ts";
import { formatValue, fmtDuration } from "../../src/report/summary_groups.ts";
import { pickRecalibration } from "../../src/report/run_analysis.ts";
import { compact, headline, shadedBands, thin } from "../../src/report/tearsheet.ts";

const summary = (o: Partial<Summary>) => ({ final_pnl: 0, spread_capture: 0, inventory_pnl: 0, fees_total: 0, funding: 0, duration_s: 7140, ...o }) as Summary;
/** An attribution whose last point holds these parts (headline reads the final values). */
const att = (p: { spread?: number; inventory?: number; fees?: number; funding?: number; liquidation?: number }): Attribution => {
  const one = (x = 0) => Float64Array.from([0, x]);
  const parts = [p.spread, p.inventory, p.fees, p.funding, p.liquidation].reduce<number>((a, x) => a + (x ?? 0), 0);
  return { ts: Float64Array.from([0, 1]), total: one(parts), components: { spread_capture: one(p.spread), inventory_pnl: one(p.inventory), fees: one(p.fees), funding: one(p.funding), liquidation: one(p.liquidation) } };
};
const mk = (side: "buy" | "sell", bps: number, usd: number): MarkoutStat => ({ horizon_s: 5, side, n: 10, mean_bps: bps, ci95_bps: 0.1, mean_usd: usd / 10, ci95_usd: 0.01, total_usd: usd });

describe("tearsheet pieces", () => {
  test("headline: the loss, its parts largest first, what the largest means, the 5 s markouts", () => {
    const s = summary({ final_pnl: -4.34, spread_capture: 1.96, inventory_pnl: -6.12, fees_total: 0.18, funding: 0 });
    expect(headline(s, att({ spread: 1.96, inventory: -6.12, fees: -0.18 }), [mk("buy", -1.384, -3), mk("sell", -0.004, -1.73)])).toBe(
      "Lost $4.34 over 1 h 59 min = inventory PnL −$6.12, spread capture +$1.96, fees −$0.18, funding $0.00. " +
        "Most of it is the position: the mid moved against the inventory we held (Inventory and Markouts below). " +
        "5 s after our fills the mid had moved −1.38 bps for buys and 0.00 bps for sells (negative = adverse selection; −$4.73 in total).",
    );
    const fees = summary({ final_pnl: -1, spread_capture: 0.5, inventory_pnl: 0.1, fees_total: 1.6 });
    expect(headline(fees, att({ spread: 0.5, inventory: 0.1, fees: -1.6 }), [])).toBe("Lost $1.00 over 1 h 59 min = fees −$1.60, spread capture +$0.50, inventory PnL +$0.10, funding $0.00. Fees outweighed everything the quotes earned.");
    expect(headline(summary({ final_pnl: 2, spread_capture: 2 }), att({ spread: 2 }), [])).toStartWith("Made $2.00 over 1 h 59 min = spread capture +$2.00,");
    // parts print in cents: rounding residue (funding is derived from cash) is $0.00, never "$3.4e-13"
    expect(headline(summary({ final_pnl: -0.95 }), att({ spread: 0.07, inventory: -0.72, fees: -0.3, funding: 3.4e-13 }), [])).toBe(
      "Lost $0.95 over 1 h 59 min = inventory PnL −$0.72, fees −$0.30, spread capture +$0.07, funding $0.00. " +
        "Most of it is the position: the mid moved against the inventory we held (Inventory and Markouts below).",
    );
    // a liquidation is a part of its own, named when it is the largest
    expect(headline(summary({ final_pnl: -30 }), att({ spread: 1, inventory: -6, fees: -0.5, liquidation: -24.5 }), [])).toBe(
      "Lost $30.00 over 1 h 59 min = liquidations −$24.50, inventory PnL −$6.00, spread capture +$1.00, fees −$0.50, funding $0.00. " +
        "The account was liquidated: the position was closed at the mark, paying the taker and liquidation fees.",
    );
  });

  test("shaded periods: warm-up after the start and after each gap; default-κ/A recalibrations merged into one band", () => {
    const n = 4;
    const s = {
      n, bookIndex: new Int32Array(n), ts: Float64Array.from([1000, 2000, 3000, 4000]), sigma: new Float64Array(n), sigmaRaw: new Float64Array(n),
      kappaBid: Float64Array.from([DEFAULT_KAPPA, DEFAULT_KAPPA, 5000, DEFAULT_KAPPA]), kappaAsk: Float64Array.from([DEFAULT_KAPPA, DEFAULT_KAPPA, 6000, DEFAULT_KAPPA]),
      aBid: Float64Array.from([DEFAULT_A, DEFAULT_A, 30, DEFAULT_A]), aAsk: Float64Array.from([DEFAULT_A, DEFAULT_A, 40, DEFAULT_A]),
    };
    expect(shadedBands(0, 5000, 1500, [3500], s)).toEqual([
      { from: 0, to: 1500, kind: "warmup" },
      { from: 3500, to: 5000, kind: "warmup" }, // cut at the end of the run
      { from: 1000, to: 3000, kind: "default" },
      { from: 4000, to: 5000, kind: "default" },
    ]);
    expect(shadedBands(0, 5000, 0, [3500], { ...s, n: 0 })).toEqual([]);
  });

  test("compact keeps ~8 significant digits of the series' scale; thin strides evenly to a bound", () => {
    expect(compact([93712.35000000001, 93712.4, NaN, -0.123456789])).toEqual([93712.35, 93712.4, null, -0.123]); // 3 decimals at 93,712
    expect(compact([0.000123456789, 0])).toEqual([0.00012345679, 0]);
    expect(thin(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(thin(10, 4)).toEqual([0, 2, 5, 7]);
  });

  test("summary formats: USD, durations, ISO times, counts", () => {
    expect([formatValue("usd", -4.336), formatValue("usd", 1234.5), formatValue("usd", 0.0042), formatValue("usd", null)]).toEqual(["−$4.34", "$1,234.50", "$0.0042", "n/a"]);
    expect([fmtDuration(45), fmtDuration(725), fmtDuration(6240), fmtDuration(190_000)]).toEqual(["45 s", "12 min 5 s", "1 h 44 min", "2 d 4 h"]);
    expect(formatValue("time", 1767653687210)).toBe("2026-01-05T22:54:47.210Z");
    expect([formatValue("count", 25239), formatValue("pct", -0.43381), formatValue("ratio", 1121.63)]).toEqual(["25,239", "−0.4338 %", "1,121.6"]);
  });

  test("the intensity chart's window: the recalibration at or before --intensity-at, else the last", () => {
    const ts = [1000, 2000, 3000];
    expect([pickRecalibration(ts), pickRecalibration(ts, 2500), pickRecalibration(ts, 2000), pickRecalibration(ts, 10), pickRecalibration([], 5)]).toEqual([2, 1, 1, 0, -1]);
  });
});
