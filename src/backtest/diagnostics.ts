/**
 * What a backtest must tell its user besides the numbers: input defects, settings or data under
 * which nothing can trade, fits that never happened. Each of these used to end in a silent
 * zero-fill or distorted run. Pure functions returning the lines; run.ts logs them.
 */
import type { Config } from "../config/schema.ts";
import { S } from "../sim/layout.ts";
import type { RunParams } from "../sim/params.ts";
import type { StreamedRun } from "./stream.ts";

export interface Diagnostic {
  level: "warn" | "info";
  text: string;
}

/** Settings that can never trade, checked on the first chunk's touch (its first two-sided row). */
export function settingsDiagnostics(bid: Float64Array, ask: Float64Array, p: RunParams): Diagnostic[] {
  const out: Diagnostic[] = [];
  const warn = (text: string) => out.push({ level: "warn", text });
  // validity counts from the decision, activation comes latency later: such an order never goes live
  if (p.validityMs > 0 && p.validityMs <= p.latencyMs) {
    warn(`quote_validity_seconds ${p.validityMs / 1000} is not longer than order_latency_ms ${p.latencyMs}: every quote expires before it goes live, nothing can fill`);
  }
  if (p.originalSizing || !(p.lotSize > 0)) return out;
  // fills are truncated to whole lots within ±max_inventory: below one lot every fill is zero
  if (p.maxInventory < p.lotSize) warn(`max_inventory ${p.maxInventory} is below one lot (${p.lotSize}): no order can be filled`);
  for (let i = 0; i < bid.length; i++) {
    if (bid[i]! > 0 && ask[i]! > 0) {
      const mid = (bid[i]! + ask[i]!) / 2;
      if (p.orderNotional / mid < p.lotSize) warn(`order notional ${p.orderNotional} is below one lot (${p.lotSize}) at price ${mid}: no order can be placed`);
      break;
    }
  }
  return out;
}

/** After the run: what the data and the calibration did to it. */
export function runDiagnostics(market: string, config: Config, params: RunParams, run: StreamedRun): Diagnostic[] {
  const { stats: st, result, schedule, events } = run;
  const out: Diagnostic[] = [];
  const say = (level: Diagnostic["level"], text: string) => out.push({ level, text });
  if (st.badTrades) say("warn", `${st.badTrades} trade(s) with NaN or non-positive price/quantity dropped`);
  if (st.duplicateTrades) say("warn", `${st.duplicateTrades} exact duplicate trade row(s) dropped`);
  if (st.oneSidedBooks) say("info", `${st.oneSidedBooks} book row(s) with an empty side: the last mid is kept for them`);
  if (st.crossedBooks) say("warn", `${st.crossedBooks} crossed book row(s) (best bid > best ask) in the data: their mid is used as is`);
  const other = [...run.markets].filter((m) => m !== market);
  if (other.length) say("warn", `the data names market ${other.join(", ")}, not ${market}: backtesting it with ${market}'s tick, lot, limits and fees`);
  const early = run.beforeFirstBook;
  if (early.trades || early.funding) {
    // a few trades just before the first book (a --from cut) are routine, as are funding prints;
    // a minute or more of them would have distorted every time-based metric, so that is a warning
    say(
      early.trades && early.bookTs - early.firstTs >= 60_000 ? "warn" : "info",
      `${early.trades} trade(s) and ${early.funding} funding print(s) before the first order-book row ignored (no mid to quote from yet): the run starts at the first book row`,
    );
  }
  if (run.bookGaps > 0) {
    // each gap cancels the orders and blocks fills for warmup_period_seconds: say so, loudly when
    // the warm-ups could cover most of the run (e.g. a gap threshold below the book interval)
    const span = result.scalars[S.totalTime]!;
    say(
      run.bookGaps * params.warmupMs >= 0.5 * span ? "warn" : "info",
      `${run.bookGaps} order-book gap(s) longer than gap_threshold_seconds (${params.gapMs / 1000} s): each cancels all orders and blocks fills for warmup_period_seconds (${params.warmupMs / 1000} s)`,
    );
  }
  const tailMs = result.scalars[S.lastTs]! - run.lastBookTs;
  if (tailMs >= 60_000) {
    say("warn", `the trades/funding go on ${(tailMs / 1000).toLocaleString("en-US")} s after the last order-book row: no quote is set there (live ones expire), yet the run's clock, the Sharpe/uptime denominators and the close at the last mid extend to the last event; consider --to`);
  }
  if (events.trades === 0) say("warn", "no trades in the selected data: nothing can fill");
  if (schedule.n > 0 && run.unfittedCalibrations === schedule.n && events.trades > 0) {
    say("warn", `κ and A were never fitted (at no calibration did the window hold min_trades_per_side usable trades: taker side known, placed against an earlier book): every quote used the defaults κ 100, A 10, i.e. a spread near max_spread_bps`);
  }
  if (run.kappaAtBoundCalibrations > 0) {
    say("warn", `κ sits at its search bound (1 or 1e6) in ${run.kappaAtBoundCalibrations} of ${schedule.n} calibrations: there the trades do not identify κ and the quotes rest on an untrustworthy fit`);
  }
  if (schedule.n === 0) say("warn", `no calibration happened (fewer than ${config.min_prices_for_calibration} valid mids): no quotes`);
  return out;
}
