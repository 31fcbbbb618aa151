/**
 * The backtest's report.html (self-contained; src/report/html.ts draws it). Charts come from the
 * run's chart grid (src/backtest/chart_grid.ts), the metrics from the equity_sample_seconds grid.
 */
import type { SampleCols } from "../backtest/chart_grid.ts";
import { defectCount, type DataQuality } from "../sim/data.ts";
import type { Summary } from "../backtest/metrics.ts";
import type { Config } from "../config/schema.ts";
import { reportHtml, type ChartSpec } from "./html.ts";

/** report.html of one backtest: equity, inventory, mid with our quotes and our spread, the summary and the data quality. */
export function backtestReportHtml(market: string, config: Config, s: Summary, chart: { samples: SampleCols; stepMs: number }, quality: DataQuality): string {
  const q = chart.samples;
  const n = q.ts.length;
  const eq = new Float64Array(n);
  const spread = new Float64Array(n);
  const mid = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    eq[i] = q.cash[i]! + q.inventory[i]! * q.mid[i]!; // as metrics.equitySeries
    mid[i] = q.mid[i]! > 0 ? q.mid[i]! : NaN;
    spread[i] = q.mid[i]! > 0 ? ((q.ask[i]! - q.bid[i]!) / q.mid[i]!) * 1e4 : NaN;
  }
  const charts: ChartSpec[] = [
    { title: "Equity", unit: "USD", x: q.ts, series: [{ name: "equity", color: "#1f6feb", y: eq }] },
    { title: "Inventory", unit: "base units", x: q.ts, series: [{ name: "inventory", color: "#8250df", y: q.inventory }] },
    {
      title: "Mid and our quotes", unit: "price", x: q.ts,
      series: [
        { name: "mid", color: "#57606a", y: mid },
        { name: "our bid", color: "#1a7f37", y: q.bid },
        { name: "our ask", color: "#cf222e", y: q.ask },
      ],
    },
    { title: "Our quoted spread", unit: "bps of mid", x: q.ts, series: [{ name: "ask − bid", color: "#bc4c00", y: spread }] },
  ];
  const defects = defectCount(quality);
  const skipped = quality.skipped_parts;
  return reportHtml({
    title: `Backtest ${market}`,
    subtitle: `${new Date(s.first_ts).toISOString()} → ${new Date(s.last_ts).toISOString()} · fill model ${config.fill_model}` +
      `${config.fill_model === "queue" ? ` (${config.queue_model})` : ""} · requote ${config.requote} · latency ${config.order_latency_ms} ms`,
    summary: s,
    charts,
    tables: [{
      title: "Data quality",
      id: "data-quality",
      rows: [
        ["bad_trades", quality.bad_trades, "trades with a missing, zero or negative price or quantity, dropped"],
        ["duplicate_trades", quality.duplicate_trades, "exact repeats of the previous trade, dropped"],
        ["one_sided_books", quality.one_sided_books, "book rows with an empty side, the last mid kept"],
        ["crossed_books", quality.crossed_books, "book rows with best bid > best ask, kept"],
        ["skipped_parts", skipped.length, skipped.length
          ? `unreadable files read past (--skip-bad-parts): ${skipped.map((x) => `${x.file} (${x.reason})`).join("; ")}`
          : "unreadable files read past (--skip-bad-parts)"],
      ],
    }],
    notes: [
      `Charts: ${n.toLocaleString("en-US")} points, one every ${fmtSeconds(chart.stepMs)} on a fixed grid from the first event (the last point is after the closing trade); our bid/ask are shown only while an order is live.`,
      `final_pnl is profit (final equity − initial capital). Sharpe/Sortino and drawdown are computed from equity sampled every ${s.sample_seconds} s (equity_sample_seconds), not from the chart points; Sharpe/Sortino are annualised (365 days).`,
      ...(s.liquidations > 0
        ? [`Liquidated ${s.liquidations} time(s), first at ${new Date(s.first_liquidation_ts!).toISOString()} (fills with source "liquidation" in fills.csv); after_liquidation: ${config.after_liquidation}.`]
        : []),
      defects > 0 ? `The input had ${defects.toLocaleString("en-US")} defect(s), counted in the data quality table.` : "The input had no counted defects.",
    ],
  });
}

/** 2.4 s, 60 s, 3.75 s: at most 3 decimals, no trailing zeros. */
function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
