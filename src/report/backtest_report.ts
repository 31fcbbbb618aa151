/**
 * The backtest's report.html: a market maker's tearsheet. The headline says where the money went;
 * the charts (src/report/tearsheet.ts) show PnL by source, drawdown, inventory, quotes and fills
 * as distance from mid, the calibration, markouts and the intensity fit; the side column holds
 * the grouped summary (src/report/summary_groups.ts) and the markout table.
 */
import type { SampleCols } from "../backtest/chart_grid.ts";
import type { CalibratedSchedule } from "../backtest/calibrate.ts";
import { defectCount, type DataQuality } from "../sim/data.ts";
import type { RunResult } from "../sim/layout.ts";
import type { Summary } from "../backtest/metrics.ts";
import type { Config } from "../config/schema.ts";
import { reportHtml } from "./html.ts";
import type { RunAnalysis } from "./run_analysis.ts";
import { fmtUsd, summaryGroups } from "./summary_groups.ts";
import { headline, shadedBands, tearsheetCharts } from "./tearsheet.ts";

export interface ReportInput {
  market: string;
  config: Config;
  summary: Summary;
  quality: DataQuality;
  chart: { samples: SampleCols; stepMs: number };
  result: RunResult;
  schedule: CalibratedSchedule;
  analysis: RunAnalysis;
}

const fmtBps = (x: number | null, ci: number | null) => (x === null ? "n/a" : `${x.toFixed(2).replace(/^-/, "−")}${ci === null ? "" : ` ± ${ci.toFixed(2)}`}`);

export function backtestReportHtml(r: ReportInput): string {
  const { summary: s, config, analysis: an } = r;
  const n = r.chart.samples.ts.length;
  const charts = tearsheetCharts({
    summary: s, chart: r.chart, fills: r.result.fills, schedule: r.schedule, gamma: r.result.rows.gamma,
    attribution: an.attribution, markouts: an.markouts, intensity: an.intensity,
    maxInventory: config.max_inventory, warmupMs: config.warmup_period_seconds * 1000, gapEnds: an.gapEnds,
  });
  const bands = shadedBands(s.first_ts, s.last_ts, config.warmup_period_seconds * 1000, an.gapEnds, r.schedule);
  const horizons = [...new Set(an.markouts.map((m) => m.horizon_s))];
  const mk = (side: string, h: number) => an.markouts.find((m) => m.side === side && m.horizon_s === h)!;
  const defects = defectCount(r.quality);
  const skipped = r.quality.skipped_parts;
  return reportHtml({
    title: `Backtest ${r.market}`,
    subtitle: `${new Date(s.first_ts).toISOString()} → ${new Date(s.last_ts).toISOString()} · fill model ${config.fill_model}` +
      `${config.fill_model === "queue" ? ` (${config.queue_model})` : ""} · requote ${config.requote} · latency ${config.order_latency_ms} ms · γ mode ${config.gamma_mode}`,
    headline: { text: headline(s, an.attribution, an.markouts), loss: s.final_pnl < 0 },
    charts,
    bands,
    groups: summaryGroups(s, r.quality),
    tables: [{
      title: "Markouts (bps, mean ± 95 %)",
      id: "markouts",
      head: ["horizon", "buys", "sells", "buys $", "sells $"],
      rows: horizons.map((h) => [`${h} s`, fmtBps(mk("buy", h).mean_bps, mk("buy", h).ci95_bps), fmtBps(mk("sell", h).mean_bps, mk("sell", h).ci95_bps), fmtUsd(mk("buy", h).total_usd), fmtUsd(mk("sell", h).total_usd)]),
      note: `side·(mid after h − mid at fill), + = in our favour; $ = the sum over fills of that move × size. Fills: ${mk("buy", horizons[0]!).n.toLocaleString("en-US")} buys, ${mk("sell", horizons[0]!).n.toLocaleString("en-US")} sells (fewer at long horizons near the end). Also in markouts.csv and summary.json.`,
    }],
    notes: [
      `Time charts: ${n.toLocaleString("en-US")} points, one every ${Number((r.chart.stepMs / 1000).toFixed(3))} s on a fixed grid from the first event (the last point is after the closing trade); our bid/ask are drawn only while an order is live.`,
      `Profit is final equity − initial capital. Sharpe/Sortino and drawdown in the summary are computed from equity sampled every ${s.sample_seconds} s (equity_sample_seconds); Sharpe/Sortino are annualised (365 days).`,
      ...(s.liquidations > 0
        ? [`Liquidated ${s.liquidations} time(s), first at ${new Date(s.first_liquidation_ts!).toISOString()} (fills with source "liquidation" in fills.csv); after_liquidation: ${config.after_liquidation}.`]
        : []),
      ...(skipped.length > 0 ? [`Unreadable parts read past (--skip-bad-parts): ${skipped.map((x) => `${x.file} (${x.reason})`).join("; ")}.`] : []),
      defects > 0 ? `The input had ${defects.toLocaleString("en-US")} defect(s), counted under Data quality.` : "The input had no counted defects.",
    ],
  });
}
