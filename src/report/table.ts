/** Terminal summary of a backtest (stdout, human-readable). */
import type { Summary } from "../backtest/metrics.ts";

const money = (x: number) => `${x < 0 ? "-" : ""}$${Math.abs(x).toFixed(2)}`;
const ratio = (x: number | null) => (x === null ? "n/a" : x.toFixed(2));
const pctOrNa = (x: number | null) => (x === null ? "n/a" : `${x.toFixed(2)}%`);
const dur = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(2)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

export function summaryLines(s: Summary, meta: { market: string; fillModel: string; requote: string }): string[] {
  const rows: [string, string][] = [
    ["Market", `${meta.market} (${new Date(s.first_ts).toISOString()} → ${new Date(s.last_ts).toISOString()}, ${dur(s.duration_s)})`],
    ["Fill model / requote", `${meta.fillModel} / ${meta.requote}`],
    ["Initial Capital", money(s.initial_capital)],
    ["Final Equity", money(s.final_equity)],
    ["Final P&L (profit)", money(s.final_pnl)],
    ["Total Return", `${s.return_pct.toFixed(4)}%`],
    [`Sharpe / Sortino (annualised, ${s.sample_seconds} s samples)`, `${ratio(s.sharpe)} / ${ratio(s.sortino)}`],
    ["Max Drawdown", `${money(s.max_drawdown)} (${s.max_drawdown_pct.toFixed(4)}%), ${dur(s.max_drawdown_duration_s)} under water`],
    ["Fills bid / ask / total", `${s.bid_fills} / ${s.ask_fills} / ${s.total_fills}`],
    ["Volume / Notional", `${s.volume.toPrecision(6)} units / ${money(s.notional)}`],
    ["Turnover (notional / capital)", s.turnover.toFixed(2)],
    ["Fees maker / close (taker)", `${money(s.maker_fees)} / ${money(s.close_fee)}`],
    ["Funding", money(s.funding)],
    ["Spread capture / inventory PnL", `${money(s.spread_capture)} / ${money(s.inventory_pnl)}`],
    ["|Inventory| mean / max", `${s.mean_abs_inventory.toPrecision(4)} / ${s.max_abs_inventory.toPrecision(4)}`],
    ["Time at inventory limit", `${s.time_at_limit_pct.toFixed(2)}%`],
    ["Quote uptime (any / bid / ask)", `${s.quote_uptime_pct.toFixed(1)}% / ${s.bid_uptime_pct.toFixed(1)}% / ${s.ask_uptime_pct.toFixed(1)}%`],
    ["Orders placed / post-only rejects", `${s.orders_placed} / ${s.post_only_rejects}`],
    ["Fill ratio (fills / orders)", s.fill_ratio === null ? "n/a" : s.fill_ratio.toFixed(4)],
    ["Final Inventory", `${s.inventory_before_close.toPrecision(6)} → 0 (closed at ${s.close_price})`],
    ["Margin (leverage / maintenance)", s.leverage === null ? "none (cash account)" : `${s.leverage}× / ${((s.maintenance_margin_ratio ?? 0) * 100).toFixed(2)}%`],
    ["Peak margin usage / min distance to liquidation", `${pctOrNa(s.peak_margin_usage_pct)} / ${pctOrNa(s.min_liquidation_distance_pct)}`],
    ["Liquidations / orders refused for margin", `${s.liquidations}${s.liquidations ? ` (${money(s.liquidation_fees)} fees)` : ""} / ${s.margin_rejects}`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
}
