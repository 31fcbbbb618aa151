/**
 * The backtest tearsheet's content (pure): chart specs for the page's script
 * (src/report/client/tearsheet.client.js), the headline that says where the money went, and the
 * shaded periods. Every series is bounded: time series come from the chart grid (≤ 3,001 points),
 * fill markers are thinned to FILL_MARKERS_MAX, histograms and calibration rows are small.
 */
import { CHART_MAX_POINTS, type SampleCols } from "../backtest/chart_grid.ts";
import type { RunResult } from "../sim/layout.ts";
import type { CalibratedSchedule } from "../backtest/calibrate.ts";
import type { Summary } from "../backtest/metrics.ts";
import { DEFAULT_A, DEFAULT_KAPPA } from "../model/intensity.ts";
import { isQuoteFill, type Attribution } from "./attribution.ts";
import type { IntensityBins } from "./intensity_view.ts";
import type { MarkoutStat } from "./markouts.ts";
import type { RunAnalysis } from "./run_analysis.ts";
import { fmtDuration, fmtUsd } from "./summary_groups.ts";

export const FILL_MARKERS_MAX = 2000;

export interface SeriesSpec {
  label: string;
  color: string;
  y: (number | null)[];
  width?: number;
  dash?: number[];
  fill?: string;
  points?: boolean;
  size?: number;
  bars?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  kind: "time" | "xy";
  fmt: "usd" | "bps" | "num" | "price" | "count";
  /** One or more tables of (x, series…); time x in epoch ms. Tables are joined on x by the page. */
  tables: { x: number[]; series: SeriesSpec[] }[];
  zero?: boolean;
  logX?: boolean;
  logY?: boolean;
  xLabel?: string;
  xUnit?: string;
  height?: number;
  /** One sentence under the chart: how to read it. */
  note: string;
}

export interface Band {
  from: number;
  to: number;
  kind: "warmup" | "default";
}

export interface TearsheetInput {
  summary: Summary;
  chart: { samples: SampleCols; stepMs: number };
  fills: RunResult["fills"];
  schedule: CalibratedSchedule;
  gamma: ArrayLike<number>;
  attribution: Attribution;
  markouts: MarkoutStat[];
  intensity: RunAnalysis["intensity"];
  maxInventory: number;
  warmupMs: number;
  /** Times at which the book resumed after a gap (each starts a warm-up). */
  gapEnds: number[];
}

const C = { liquidation: "#6e40c9", total: "#1d232a", spread: "#1a7f37", inventory: "#8250df", fees: "#cf222e", funding: "#bc4c00", buy: "#1a7f37", sell: "#cf222e", mid: "#57606a", ask: "#cf222e", bid: "#1a7f37" };

/** Rounds to ~8 significant digits of the series' largest magnitude (the page's JSON stays small). */
export function compact(y: ArrayLike<number>): (number | null)[] {
  let m = 0;
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!)) m = Math.max(m, Math.abs(y[i]!));
  const d = m > 0 ? Math.min(12, Math.max(0, 7 - Math.floor(Math.log10(m)))) : 0;
  const out: (number | null)[] = new Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = Number.isFinite(y[i]!) ? Number(y[i]!.toFixed(d)) : null;
  return out;
}

/** Indices of at most `max` items, evenly strided (all when fewer). */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

/** Warm-up after the start and after every book gap; recalibrations still on the defaults (κ, A never fitted). */
export function shadedBands(firstTs: number, lastTs: number, warmupMs: number, gapEnds: number[], s: CalibratedSchedule): Band[] {
  const out: Band[] = [];
  if (warmupMs > 0) for (const t of [firstTs, ...gapEnds]) out.push({ from: t, to: Math.min(t + warmupMs, lastTs), kind: "warmup" });
  for (let k = 0; k < s.n; k++) {
    const dflt = s.kappaBid[k] === DEFAULT_KAPPA && s.kappaAsk[k] === DEFAULT_KAPPA && s.aBid[k] === DEFAULT_A && s.aAsk[k] === DEFAULT_A;
    if (!dflt) continue;
    const to = k + 1 < s.n ? s.ts[k + 1]! : lastTs;
    const prev = out[out.length - 1];
    if (prev?.kind === "default" && prev.to === s.ts[k]) prev.to = to;
    else out.push({ from: s.ts[k]!, to, kind: "default" });
  }
  return out;
}

function histogram(xs: number[], nBins: number, lo: number, hi: number): { x: number[]; n: number[] } {
  const w = (hi - lo) / nBins;
  const n = new Array<number>(nBins).fill(0);
  for (const x of xs) if (x >= lo && x <= hi) n[Math.min(nBins - 1, Math.floor((x - lo) / w))]!++;
  return { x: n.map((_, b) => Number((lo + (b + 0.5) * w).toPrecision(6))), n };
}

/** Bounds of the middle 98 % of xs (a histogram's range that a stray value does not stretch). */
function bulk(xs: number[]): [number, number] {
  const v = [...xs].sort((a, b) => a - b);
  return [v[Math.floor(v.length * 0.01)]!, v[Math.ceil(v.length * 0.99) - 1]!];
}

/** What the largest part means when it lost money (the headline's second sentence). */
const WHY_NEGATIVE: Record<string, string> = {
  "inventory PnL": "Most of it is the position: the mid moved against the inventory we held (Inventory and Markouts below).",
  "spread capture": "Our fills were on average on the wrong side of the mid: filled after the mid had moved through our quote.",
  fees: "Fees outweighed everything the quotes earned.",
  funding: "Funding payments on the position we held outweighed the rest.",
  liquidations: "The account was liquidated: the position was closed at the mark, paying the taker and liquidation fees.",
};

/** The first sentence a losing (or winning) day needs: profit and its parts (the attribution's final values), largest first. */
export function headline(s: Summary, att: Attribution, m: MarkoutStat[]): string {
  const end = (k: keyof Attribution["components"]) => att.components[k][att.ts.length - 1] ?? 0;
  const parts: [string, number][] = [["spread capture", end("spread_capture")], ["inventory PnL", end("inventory_pnl")], ["fees", end("fees")], ["funding", end("funding")]];
  if (end("liquidation") !== 0) parts.push(["liquidations", end("liquidation")]);
  // parts in cents, like the profit: a residual such as funding's 3e-13 without funding prints is $0.00
  const signed = (x: number) => (Math.abs(x) < 0.005 ? fmtUsd(0) : x > 0 ? `+${fmtUsd(x)}` : fmtUsd(x));
  const order = [...parts].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  let out = `${s.final_pnl < 0 ? "Lost" : "Made"} ${fmtUsd(Math.abs(s.final_pnl))} over ${fmtDuration(s.duration_s)} = ` +
    order.map(([k, v]) => `${k} ${signed(v)}`).join(", ") + ".";
  const [top, v] = order[0]!;
  if (v < 0) out += ` ${WHY_NEGATIVE[top]}`;
  const at = (side: string) => m.find((x) => x.side === side && x.horizon_s === 5);
  const b = at("buy"), a = at("sell");
  if (b?.mean_bps != null && a?.mean_bps != null) {
    const f = (x: number) => (Math.abs(x) < 0.005 ? "0.00 bps" : `${x > 0 ? "+" : "−"}${Math.abs(x).toFixed(2)} bps`);
    out += ` 5 s after our fills the mid had moved ${f(b.mean_bps)} for buys and ${f(a.mean_bps)} for sells (negative = adverse selection; ${signed(b.total_usd + a.total_usd)} in total).`;
  }
  return out;
}

export function tearsheetCharts(t: TearsheetInput): ChartSpec[] {
  const q = t.chart.samples, n = q.ts.length, ts = Array.from(q.ts);
  const att = t.attribution;
  const charts: ChartSpec[] = [];
  charts.push({
    id: "pnl", title: "Where the money went: cumulative PnL by source", unit: "USD", kind: "time", fmt: "usd", zero: true, height: 280,
    tables: [{ x: Array.from(att.ts), series: [
      { label: "total", color: C.total, y: compact(att.total), width: 2.5 },
      { label: "spread capture", color: C.spread, y: compact(att.components.spread_capture) },
      { label: "inventory PnL", color: C.inventory, y: compact(att.components.inventory_pnl) },
      { label: "fees", color: C.fees, y: compact(att.components.fees) },
      { label: "funding", color: C.funding, y: compact(att.components.funding) },
      ...(att.components.liquidation.some((x) => x !== 0) ? [{ label: "liquidations", color: C.liquidation, y: compact(att.components.liquidation), width: 2 }] : []),
    ] }],
    note: "Spread capture = what each fill earned against the mid at that moment; inventory PnL = the position's mark-to-market as the mid moved (and the closing trade); the four add up to the total at every point.",
  });

  const dd = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const e = q.cash[i]! + q.inventory[i]! * q.mid[i]!;
    peak = Math.max(peak, e);
    dd[i] = e - peak;
  }
  charts.push({
    id: "drawdown", title: "Drawdown: equity below its running peak", unit: "USD", kind: "time", fmt: "usd", zero: true,
    tables: [{ x: ts, series: [{ label: "drawdown", color: C.fees, y: compact(dd), fill: "rgba(207,34,46,0.15)" }] }],
    note: "Sampled on the chart grid; the summary's max drawdown uses the equity_sample_seconds grid.",
  });

  charts.push({
    id: "inventory", title: "Inventory", unit: "base units", kind: "time", fmt: "num", zero: true,
    tables: [{ x: ts, series: [
      { label: "inventory", color: C.inventory, y: compact(q.inventory) },
      { label: "+max_inventory", color: "#8c959f", y: ts.map(() => t.maxInventory), dash: [6, 4], width: 1 },
      { label: "−max_inventory", color: "#8c959f", y: ts.map(() => -t.maxInventory), dash: [6, 4], width: 1 },
    ] }],
    note: "Dashed: the inventory limit, beyond which the side that would add to the position stops quoting.",
  });

  // quotes and fills as distance from the mid, in bps: bids below 0, asks above
  const bidD = new Float64Array(n), askD = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = q.mid[i]!;
    bidD[i] = m > 0 ? ((q.bid[i]! - m) / m) * 1e4 : NaN;
    askD[i] = m > 0 ? ((q.ask[i]! - m) / m) * 1e4 : NaN;
  }
  const f = t.fills;
  const maker: number[] = [];
  for (let k = 0; k < f.ts.length; k++) if (isQuoteFill(f.trade[k]!) && f.mid[k]! > 0) maker.push(k);
  const shown = thin(maker.length, FILL_MARKERS_MAX).map((i) => maker[i]!);
  const fx = shown.map((k) => f.ts[k]!);
  const fillBps = (k: number) => ((f.price[k]! - f.mid[k]!) / f.mid[k]!) * 1e4;
  const only = (side: number, val: (k: number) => number) => compact(shown.map((k) => (f.side[k] === side ? val(k) : NaN)));
  const thinNote = shown.length < maker.length ? ` ${shown.length.toLocaleString("en-US")} of ${maker.length.toLocaleString("en-US")} fills shown (evenly thinned).` : "";
  charts.push({
    id: "quotes", title: "Our quotes and fills, distance from mid", unit: "bps", kind: "time", fmt: "bps", zero: true, height: 260,
    tables: [
      { x: ts, series: [
        { label: "our ask", color: C.ask, y: compact(askD), width: 1.2 },
        { label: "our bid", color: C.bid, y: compact(bidD), width: 1.2 },
      ] },
      { x: fx, series: [
        { label: "sell fill", color: "#a40e26", y: only(-1, fillBps), points: true, size: 6 },
        { label: "buy fill", color: "#116329", y: only(1, fillBps), points: true, size: 6 },
      ] },
    ],
    note: `Bids below 0, asks above; the gap between the lines is our quoted spread. Dots: our fills at their distance from the mid.${thinNote}`,
  });

  const mid = Array.from(q.mid, (m) => (m > 0 ? m : NaN));
  charts.push({
    id: "price", title: "Mid price and our fills", unit: "price", kind: "time", fmt: "price",
    tables: [
      { x: ts, series: [{ label: "mid", color: C.mid, y: compact(mid) }] },
      { x: fx, series: [
        { label: "sell fill", color: "#a40e26", y: only(-1, (k) => f.price[k]!), points: true, size: 6 },
        { label: "buy fill", color: "#116329", y: only(1, (k) => f.price[k]!), points: true, size: 6 },
      ] },
    ],
    note: `Buys while the price falls and sells while it rises build the inventory that the PnL chart's inventory line charges for.${thinNote}`,
  });

  const hx = [...new Set(t.markouts.map((x) => x.horizon_s))];
  const mo = (side: "buy" | "sell", k: "mean" | "lo" | "hi") => hx.map((h) => {
    const r = t.markouts.find((x) => x.side === side && x.horizon_s === h);
    if (!r || r.mean_bps === null) return null;
    const ci = r.ci95_bps ?? 0;
    return Number((k === "mean" ? r.mean_bps : k === "lo" ? r.mean_bps - ci : r.mean_bps + ci).toFixed(4));
  });
  charts.push({
    id: "markouts", title: "Markouts: mid move after our fills", unit: "bps, + = in our favour", kind: "xy", fmt: "bps", zero: true, logX: true,
    xLabel: "horizon", xUnit: "s",
    tables: [{ x: hx, series: [
      { label: "buys", color: C.buy, y: mo("buy", "mean"), width: 2, points: false },
      { label: "buys 95 % low", color: C.buy, y: mo("buy", "lo"), dash: [4, 4], width: 1 },
      { label: "buys 95 % high", color: C.buy, y: mo("buy", "hi"), dash: [4, 4], width: 1 },
      { label: "sells", color: C.sell, y: mo("sell", "mean"), width: 2 },
      { label: "sells 95 % low", color: C.sell, y: mo("sell", "lo"), dash: [4, 4], width: 1 },
      { label: "sells 95 % high", color: C.sell, y: mo("sell", "hi"), dash: [4, 4], width: 1 },
    ] }],
    note: "Mean of side·(mid after h − mid at the fill) over our maker fills; below 0 = the market moved against the fills (adverse selection). Dashed: 95 % confidence band.",
  });

  const dist = maker.map(fillBps);
  if (dist.length > 0) {
    const [lo, hi] = bulk(dist);
    const h = histogram(dist, 40, Math.min(lo, 0), Math.max(hi, 0) || 1);
    charts.push({
      id: "fill-distance", title: "Fills by distance from mid", unit: "fills", kind: "xy", fmt: "count", xLabel: "distance", xUnit: "bps",
      tables: [{ x: h.x, series: [{ label: "fills", color: "#0969da", y: h.n, bars: true }] }],
      note: "Buys (our bid) at negative distances, sells (our ask) at positive; the middle 98 % of fills.",
    });
  }
  const inv = Array.from(q.inventory);
  if (n > 0) {
    const lim = t.maxInventory;
    const h = histogram(inv, 41, -lim, lim);
    charts.push({
      id: "inventory-hist", title: "Time at each inventory", unit: "% of chart samples", kind: "xy", fmt: "num", xLabel: "inventory", xUnit: "",
      tables: [{ x: h.x, series: [{ label: "share of time", color: C.inventory, y: h.n.map((c) => Number(((c / n) * 100).toFixed(3))), bars: true }] }],
      note: `From −max_inventory to +max_inventory (${lim}); evenly spaced chart samples, so counts are shares of time.`,
    });
  }
  // one point per recalibration, evenly thinned past CHART_MAX_POINTS (a month at 60 s is 43,200)
  const s = t.schedule, rows = thin(s.n, CHART_MAX_POINTS);
  const pick = (a: ArrayLike<number>) => rows.map((k) => a[k]!);
  const sx = pick(s.ts);
  charts.push({
    id: "sigma", title: "Calibration: volatility σ", unit: "per √s, before the clamp", kind: "time", fmt: "num",
    tables: [{ x: sx, series: [{ label: "σ", color: "#0969da", y: compact(pick(s.sigmaRaw)) }] }],
    note: "One point per recalibration. Shaded: warm-up (grey) and recalibrations still on the default κ and A (amber).",
  });
  charts.push({
    id: "kappa", title: "Calibration: κ per side", unit: "per unit δ, log scale", kind: "time", fmt: "num", logY: true,
    tables: [{ x: sx, series: [
      { label: "κ bid", color: C.bid, y: compact(pick(s.kappaBid)) },
      { label: "κ ask", color: C.ask, y: compact(pick(s.kappaAsk)) },
    ] }],
    note: "Fill intensity falls by e every 1/κ of relative distance from the mid (κ = 10,000 ⇒ per bp).",
  });
  charts.push({
    id: "gamma", title: "Calibration: risk aversion γ", unit: "", kind: "time", fmt: "num",
    tables: [{ x: sx, series: [{ label: "γ", color: "#8250df", y: compact(pick(t.gamma)) }] }],
    note: "γ per recalibration (gamma_mode).",
  });

  if (t.intensity && t.intensity.bid.delta_bps.length + t.intensity.ask.delta_bps.length > 0) {
    const it = t.intensity;
    const tab = (b: IntensityBins, side: string, color: string) => ({
      x: b.delta_bps.map((x) => Number(x.toPrecision(6))),
      series: [
        { label: `${side} observed`, color, y: compact(b.observed.map((v) => (v > 0 ? v / 1e4 : NaN))), points: true, size: 7 },
        { label: `${side} fitted A·e^(−κδ)`, color, y: compact(b.fitted.map((v) => v / 1e4)), width: 1.5 },
      ],
    });
    charts.push({
      id: "intensity", title: "Trade intensity by distance from mid vs the fit", unit: "trades/s per bp of distance, log scale", kind: "xy", fmt: "num", logY: true,
      xLabel: "distance", xUnit: "bps",
      tables: [tab(it.bid, "bid", C.bid), tab(it.ask, "ask", C.ask)],
      note: `Calibration window ${new Date(it.fromMs).toISOString()} → ${new Date(it.toMs).toISOString()} (${it.label}): trades per bin over the time the book exposed that distance, next to the λ(δ) the quotes used.`,
    });
  }
  return charts;
}
