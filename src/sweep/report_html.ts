/**
 * sweep_report.html: one self-contained page (no external assets; a few lines of inline script for
 * the hover box) with the ranking, a heat map of the ranking metric for two-parameter sweeps (a
 * line chart for one parameter) and the per-value bests.
 */
import type { SweepParam } from "./grid.ts";
import { esc } from "../report/escape.ts";
import { fmtNum, fmtUsd } from "../report/summary_groups.ts";
import { fmt } from "./output.ts";
import type { BestPerValue, RankMetric, Ranking, SweepRow } from "./rank.ts";


/**
 * Diverging colour centred on 0 (every ranking metric is signed: PnL, Sharpe, Sortino,
 * return/drawdown): red for losses, white at 0, blue for gains, full strength at ±absMax (the
 * largest |value| shown), so a cell's colour says its sign. null for a run without a value.
 */
export function colorFor(x: number, absMax: number): string | null {
  if (!Number.isFinite(x)) return null;
  const t = absMax > 0 ? Math.max(-1, Math.min(1, x / absMax)) : 0;
  const mix = (a: number[], b: number[], u: number) => a.map((c, i) => Math.round(c + (b[i]! - c) * u));
  const white = [247, 247, 247];
  return `rgb(${(t < 0 ? mix(white, [178, 24, 43], -t) : mix(white, [33, 102, 172], t)).join(",")})`;
}

/** The hover text of a run: its parameters and metrics, in the tearsheet's formats. */
function tip(params: SweepParam[], r: SweepRow): string {
  const head = params.map((p, i) => `${p.key} = ${fmt(r.values[i])}`).join(", ");
  if (!r.metrics) return `${head}\nfailed: ${r.error ?? "unknown error"}`;
  const m = r.metrics;
  return [head, `pnl ${fmtUsd(m.pnl)} (${fmtNum(m.return_pct)} %)`, `sharpe ${m.sharpe === null || Number.isNaN(m.sharpe) ? "n/a" : fmtNum(m.sharpe)}, sortino ${Number.isNaN(m.sortino) ? "n/a" : fmtNum(m.sortino)}`,
    `max drawdown ${fmtUsd(m.max_drawdown)}, return/drawdown ${Number.isNaN(m.return_over_drawdown) ? "n/a" : fmtNum(m.return_over_drawdown)}`,
    `fills ${m.fills.toLocaleString("en-US")} (${m.bid_fills} bid / ${m.ask_fills} ask), fees ${fmtUsd(m.fees)}`,
    `spread capture ${fmtUsd(m.spread_capture)}, inventory PnL ${fmtUsd(m.inventory_pnl)}`].join("\n");
}

/** Cell label: the metric in the tearsheet's format (USD for pnl). */
const cellText = (metric: RankMetric, x: number) => (metric === "pnl" ? fmtUsd(x) : fmtNum(x));

function heatMap(rows: SweepRow[], params: SweepParam[], metric: RankMetric, minFills: number): string {
  const [px, py] = params; // x = second parameter (columns), y = first (rows)
  const cell = new Map(rows.map((r) => [`${r.values[0]}|${r.values[1]}`, r]));
  const vals = rows.filter((r) => r.metrics && r.metrics.fills >= minFills).map((r) => r.metrics![metric]).filter(Number.isFinite);
  const absMax = Math.max(0, ...vals.map(Math.abs));
  const cw = 78;
  const ch = 30;
  const left = 110;
  const top = 40;
  const w = Math.max(left + cw * py.values.length + 20, 640); // wide enough for the legend line
  const h = top + ch * px.values.length + 40;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11" class="heat">`];
  parts.push(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8c959f" stroke-width="2"/></pattern></defs>`);
  parts.push(`<text x="${left}" y="14" font-weight="bold">${esc(py.key)} →</text>`);
  parts.push(`<text x="4" y="${top - 6}" font-weight="bold">${esc(px.key)} ↓</text>`);
  py.values.forEach((vy, j) => parts.push(`<text x="${left + j * cw + cw / 2}" y="${top - 6}" text-anchor="middle">${esc(fmt(vy))}</text>`));
  px.values.forEach((vx, i) => {
    parts.push(`<text x="${left - 6}" y="${top + i * ch + ch / 2 + 4}" text-anchor="end">${esc(fmt(vx))}</text>`);
    py.values.forEach((vy, j) => {
      const r = cell.get(`${vx}|${vy}`);
      const ok = r?.metrics && r.metrics.fills >= minFills;
      const x = r?.metrics ? r.metrics[metric] : NaN;
      const label = !r?.metrics ? "failed" : ok ? cellText(metric, x) : `(${r.metrics.fills} fills)`;
      const fill = !r?.metrics ? "url(#hatch)" : ok ? (colorFor(x, absMax) ?? "#e6e9ec") : "#e6e9ec";
      parts.push(
        `<g class="cell" data-tip="${esc(r ? tip(params, r) : "")}"><rect x="${left + j * cw}" y="${top + i * ch}" width="${cw - 2}" height="${ch - 2}" fill="${fill}"/>` +
          `<text x="${left + j * cw + cw / 2}" y="${top + i * ch + ch / 2 + 4}" text-anchor="middle"${ok && Math.abs(x) > 0.6 * absMax ? ' fill="#fff"' : ""}>${esc(label)}</text></g>`,
      );
    });
  });
  parts.push(`<text x="${left}" y="${h - 12}">${esc(metric)}: red &lt; 0 &lt; blue, full colour at ±${esc(cellText(metric, absMax))}; light grey = fewer than ${minFills} fills; hatched = failed</text>`);
  parts.push("</svg>");
  return parts.join("\n");
}

function lineChart(rows: SweepRow[], p: SweepParam, metric: RankMetric): string {
  const pts = [...rows].sort((a, b) => a.index - b.index).map((r, i) => ({ i, y: r.metrics ? r.metrics[metric] : NaN }));
  const ys = pts.map((q) => q.y).filter(Number.isFinite);
  const lo = Math.min(0, ...ys);
  const hi = Math.max(0, ...ys);
  const W = 640;
  const H = 260;
  const L = 60;
  const B = 40;
  const xOf = (i: number) => L + (pts.length > 1 ? (i * (W - L - 20)) / (pts.length - 1) : (W - L) / 2);
  const yOf = (y: number) => 10 + (hi > lo ? ((hi - y) * (H - B - 10)) / (hi - lo) : (H - B) / 2);
  const path = pts.filter((q) => Number.isFinite(q.y)).map((q, k) => `${k ? "L" : "M"}${xOf(q.i).toFixed(1)},${yOf(q.y).toFixed(1)}`).join(" ");
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  out.push(`<line x1="${L}" x2="${W - 10}" y1="${yOf(0)}" y2="${yOf(0)}" stroke="#999"/>`);
  out.push(`<path d="${path}" fill="none" stroke="#3168b4" stroke-width="2"/>`);
  pts.forEach((q) => {
    out.push(`<text x="${xOf(q.i)}" y="${H - B + 16}" text-anchor="middle">${esc(fmt(p.values[q.i]))}</text>`);
    if (Number.isFinite(q.y)) out.push(`<circle cx="${xOf(q.i)}" cy="${yOf(q.y)}" r="3" fill="#3168b4"><title>${esc(`${p.key}=${p.values[q.i]}: ${metric} ${fmt(q.y)}`)}</title></circle>`);
  });
  out.push(`<text x="${L}" y="${H - 6}">${esc(p.key)}</text><text x="4" y="12">${esc(metric)} (${esc(fmt(lo))} … ${esc(fmt(hi))})</text></svg>`);
  return out.join("\n");
}

export interface SweepReportInput {
  title: string;
  rows: SweepRow[];
  params: SweepParam[];
  ranking: Ranking;
  best: BestPerValue[];
  metric: RankMetric;
  minFills: number;
  /** Free-form facts shown under the title (data range, threads, wall time). */
  facts: [string, string][];
}

export function sweepReportHtml(r: SweepReportInput): string {
  const byIndex = new Map(r.rows.map((x) => [x.index, x]));
  const head = [...r.params.map((p) => p.key), "pnl", "return %", "sharpe", "sortino", "ret/dd", "fills"];
  const table = r.ranking.order.slice(0, 50).map((idx, k) => {
    const x = byIndex.get(idx)!;
    const m = x.metrics!;
    const num = (v: number) => (Number.isFinite(v) ? fmtNum(v) : "n/a");
    const cells = [...x.values.map(fmt), fmtUsd(m.pnl), `${num(m.return_pct)} %`, num(m.sharpe), num(m.sortino), num(m.return_over_drawdown), m.fills.toLocaleString("en-US")].map((v) => `<td>${esc(v)}</td>`);
    return `<tr${k === 0 ? ' class="best"' : ""}><td>${k + 1}</td>${cells.join("")}</tr>`;
  });
  const chart = r.params.length === 2 ? heatMap(r.rows, r.params, r.metric, r.minFills) : r.params.length === 1 ? lineChart(r.rows, r.params[0], r.metric) : "<p>(no chart for more than two parameters; see the per-value bests below)</p>";
  const bests = r.params.length >= 2
    ? r.best.map((bp) => `<h3>Best run for each ${esc(bp.key)}</h3><table><tr><th>${esc(bp.key)}</th>${r.params.filter((p) => p.key !== bp.key).map((p) => `<th>${esc(p.key)}</th>`).join("")}<th>${esc(r.metric)}</th><th>pnl</th></tr>${bp.entries
        .map((e) => `<tr><td>${esc(fmt(e.value))}</td>${e.best ? r.params.map((p, i) => (p.key === bp.key ? "" : `<td>${esc(fmt(e.best!.values[i]))}</td>`)).join("") + `<td>${esc(fmt(e.best.metrics![r.metric]))}</td><td>${esc(fmt(e.best.metrics!.pnl))}</td>` : `<td colspan="${r.params.length + 1}">no qualifying run</td>`}</tr>`)
        .join("")}</table>`).join("\n")
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>#tip{position:fixed;pointer-events:none;background:#1d232a;color:#fff;font-size:12px;padding:6px 8px;border-radius:4px;white-space:pre;display:none;z-index:9}g.cell:hover rect{stroke:#1d232a;stroke-width:2}body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}th{background:#f0f0f0}tr.best{background:#fff4d6;font-weight:bold}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#666}</style>
</head><body>
<h1>${esc(r.title)}</h1>
<dl>${r.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>
<h2>${esc(r.metric)} by parameter</h2>
${chart}
<h2>Ranking${r.ranking.qualified ? ` (runs with ≥ ${r.minFills} fills)` : ` (no run reached ${r.minFills} fills: all runs)`}</h2>
<table><tr><th>#</th>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${table.join("\n")}</table>
${bests}
<div id="tip"></div>
<script>
(function(){var t=document.getElementById("tip");document.querySelectorAll("g.cell").forEach(function(g){
g.addEventListener("mousemove",function(e){t.textContent=g.getAttribute("data-tip");t.style.display="block";t.style.left=(e.clientX+14)+"px";t.style.top=(e.clientY+14)+"px";});
g.addEventListener("mouseleave",function(){t.style.display="none";});});})();
</script>
</body></html>
`;
}
