/**
 * The summary as a reader sees it: five groups (Returns, Risk, Trading, Quoting, Data quality),
 * each row its summary.json / --json key (snake_case, the same name everywhere), a label, a unit
 * and a human format (USD with two decimals, thousands separators, ISO-8601 UTC times).
 */
import type { DataQuality } from "../sim/data.ts";
import type { Summary } from "../backtest/metrics.ts";

export type Unit = "usd" | "pct" | "s" | "count" | "ratio" | "time" | "base" | "price" | "bps";

export interface SummaryRow {
  key: string;
  label: string;
  unit: Unit;
  value: number | null;
  text: string;
}

type Def = [key: keyof Summary | keyof DataQuality, label: string, unit: Unit];

export const SUMMARY_GROUPS: { title: string; rows: Def[] }[] = [
  {
    title: "Returns",
    rows: [
      ["final_pnl", "Profit (final equity − capital)", "usd"], ["return_pct", "Return", "pct"],
      ["initial_capital", "Initial capital", "usd"], ["final_equity", "Final equity", "usd"],
      ["spread_capture", "Spread capture", "usd"], ["inventory_pnl", "Inventory PnL", "usd"],
      ["fees_total", "Fees paid", "usd"], ["funding", "Funding", "usd"],
    ],
  },
  {
    title: "Risk",
    rows: [
      ["sharpe", "Sharpe (annualised)", "ratio"], ["sortino", "Sortino (annualised)", "ratio"],
      ["max_drawdown", "Max drawdown", "usd"], ["max_drawdown_pct", "Max drawdown", "pct"],
      ["max_drawdown_duration_s", "Longest time under water", "s"],
      ["mean_abs_inventory", "Mean |inventory|", "base"], ["max_abs_inventory", "Max |inventory|", "base"],
      ["time_at_limit_pct", "Time at inventory limit", "pct"],
      ["leverage", "Leverage", "ratio"], ["peak_margin_usage_pct", "Peak margin usage", "pct"],
      ["min_liquidation_distance_pct", "Min distance to liquidation (of price)", "pct"],
      ["margin_rejects", "Orders refused for margin", "count"], ["liquidations", "Liquidations", "count"],
      ["liquidation_fees", "Liquidation fees", "usd"], ["first_liquidation_ts", "First liquidation", "time"],
    ],
  },
  {
    title: "Trading",
    rows: [
      ["total_fills", "Fills", "count"], ["bid_fills", "Bid fills (bought)", "count"], ["ask_fills", "Ask fills (sold)", "count"],
      ["volume", "Volume", "base"], ["notional", "Notional traded", "usd"], ["turnover", "Turnover (notional / capital)", "ratio"],
      ["maker_fees", "Maker fees", "usd"], ["close_fee", "Closing trade fee (taker)", "usd"],
      ["inventory_before_close", "Inventory before the close", "base"], ["close_price", "Close price", "price"],
      ["close_notional", "Close notional", "usd"],
    ],
  },
  {
    title: "Quoting",
    rows: [
      ["quote_uptime_pct", "Quote uptime (either side)", "pct"], ["bid_uptime_pct", "Bid uptime", "pct"], ["ask_uptime_pct", "Ask uptime", "pct"],
      ["orders_placed", "Orders placed", "count"], ["post_only_rejects", "Post-only rejects", "count"], ["expired_quotes", "Expired quotes", "count"],
      ["fill_ratio", "Fill ratio (fills / orders)", "ratio"], ["quotes_computed", "Quotes computed", "count"],
      ["recalibrations", "Recalibrations", "count"],
    ],
  },
  {
    title: "Data quality",
    rows: [
      ["first_ts", "First event", "time"], ["last_ts", "Last event", "time"], ["duration_s", "Duration", "s"],
      ["sample_seconds", "Equity sample interval", "s"],
      ["bad_trades", "Bad trades (dropped)", "count"], ["duplicate_trades", "Duplicate trades (dropped)", "count"],
      ["one_sided_books", "One-sided book rows", "count"], ["crossed_books", "Crossed book rows", "count"],
      ["skipped_parts", "Unreadable parts skipped (--skip-bad-parts)", "count"],
    ],
  },
];

/** Units the formatted value does not already show ($, %, s, bps, Z). */
const LABEL_UNIT: Partial<Record<Unit, string>> = { base: "base units", price: "quote currency" };

/** −$1,234.56 · $0.0042 (two decimals unless smaller than a cent). */
export function fmtUsd(x: number): string {
  const a = Math.abs(x);
  const s = a >= 0.01 || a === 0 ? a.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : a.toPrecision(2);
  return `${x < 0 ? "−" : ""}$${s}`;
}

/** 45 s · 12 min 5 s · 3 h 20 min · 2 d 4 h. */
export function fmtDuration(s: number): string {
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
  const parts: [number, string][] = [[Math.floor(s / 86400), "d"], [Math.floor((s % 86400) / 3600), "h"], [Math.floor((s % 3600) / 60), "min"], [Math.floor(s % 60), "s"]];
  const first = parts.findIndex(([v]) => v > 0);
  return parts.slice(first, first + 2).filter(([v]) => v > 0).map(([v, u]) => `${v} ${u}`).join(" ");
}

/** About 4 significant digits, thousands separators, no exponent for everyday magnitudes. */
export function fmtNum(x: number): string {
  const a = Math.abs(x);
  const s = a >= 1000 ? x.toLocaleString("en-US", { maximumFractionDigits: a >= 1e5 ? 0 : 1 }) : a === 0 ? "0" : String(Number(x.toPrecision(4)));
  return s.replace(/^-/, "−"); // a real minus, as in −$4.34
}

export function formatValue(unit: Unit, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  switch (unit) {
    case "usd": return fmtUsd(v);
    case "pct": return `${fmtNum(v)} %`;
    case "s": return fmtDuration(v);
    case "count": return Math.round(v).toLocaleString("en-US");
    case "time": return new Date(v).toISOString();
    case "price": return v.toLocaleString("en-US", { maximumFractionDigits: 8 });
    case "bps": return `${fmtNum(v)} bps`;
    default: return fmtNum(v);
  }
}

export function summaryGroups(s: Summary, q: DataQuality): { title: string; rows: SummaryRow[] }[] {
  const all: Record<string, number | null> = { ...s, ...q, skipped_parts: q.skipped_parts.length };
  return SUMMARY_GROUPS.map((g) => ({
    title: g.title,
    rows: g.rows.map(([key, label, unit]) => {
      const value = all[key] ?? null;
      return { key, label: LABEL_UNIT[unit] ? `${label} (${LABEL_UNIT[unit]})` : label, unit, value, text: formatValue(unit, value) };
    }),
  }));
}
