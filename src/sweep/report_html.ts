/**
 * sweep_report.html: one self-contained page (no scripts, no external assets) with the ranking,
 * a heat map of the ranking metric for two-parameter sweeps (a line chart for one parameter) and
 * the per-value bests.
 */
import type { SweepParam } from "./grid.ts";
import { fmt } from "./output.ts";
import type { BestPerValue, RankMetric, Ranking, SweepRow } from "./rank.ts";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** Blue (low) → white → red-orange (high) on [lo, hi]; grey for runs without a value. */
export function colorFor(x: number, lo: number, hi: number): string {
  if (!Number.isFinite(x)) return "#d9d9d9";
  const t = hi > lo ? Math.min(1, Math.max(0, (x - lo) / (hi - lo))) : 0.5;
  const mix = (a: number[], b: number[], u: number) => a.map((c, i) => Math.round(c + (b[i] - c) * u));
  const rgb = t < 0.5 ? mix([49, 104, 180], [247, 247, 247], t * 2) : mix([247, 247, 247], [214, 72, 36], (t - 0.5) * 2);
  return `rgb(${rgb.join(",")})`;
}

function heatMap(rows: SweepRow[], params: SweepParam[], metric: RankMetric, minFills: number): string {
  const [px, py] = params; // x = second parameter (columns), y = first (rows)
  const cell = new Map(rows.map((r) => [`${r.values[0]}|${r.values[1]}`, r]));
  const vals = rows.filter((r) => r.metrics && r.metrics.fills >= minFills).map((r) => r.metrics![metric]).filter(Number.isFinite);
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const cw = 78;
  const ch = 30;
  const left = 110;
  const top = 40;
  const w = Math.max(left + cw * py.values.length + 20, 640); // wide enough for the legend line
  const h = top + ch * px.values.length + 40;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${left}" y="14" font-weight="bold">${esc(py.key)} →</text>`);
  parts.push(`<text x="4" y="${top - 6}" font-weight="bold">${esc(px.key)} ↓</text>`);
  py.values.forEach((vy, j) => parts.push(`<text x="${left + j * cw + cw / 2}" y="${top - 6}" text-anchor="middle">${esc(fmt(vy))}</text>`));
  px.values.forEach((vx, i) => {
    parts.push(`<text x="${left - 6}" y="${top + i * ch + ch / 2 + 4}" text-anchor="end">${esc(fmt(vx))}</text>`);
    py.values.forEach((vy, j) => {
      const r = cell.get(`${vx}|${vy}`);
      const ok = r?.metrics && r.metrics.fills >= minFills;
      const x = r?.metrics ? r.metrics[metric] : NaN;
      const label = !r?.metrics ? "failed" : ok ? fmt(x, 3) : `(${r.metrics.fills} fills)`;
      const title = r?.metrics ? `${px.key}=${vx} ${py.key}=${vy}: ${metric} ${fmt(x)}, pnl ${fmt(r.metrics.pnl)}, fills ${r.metrics.fills}` : `failed: ${r?.error ?? ""}`;
      parts.push(
        `<g><title>${esc(title)}</title><rect x="${left + j * cw}" y="${top + i * ch}" width="${cw - 2}" height="${ch - 2}" fill="${ok ? colorFor(x, lo, hi) : "#d9d9d9"}"/>` +
          `<text x="${left + j * cw + cw / 2}" y="${top + i * ch + ch / 2 + 4}" text-anchor="middle">${esc(label)}</text></g>`,
      );
    });
  });
  parts.push(`<text x="${left}" y="${h - 12}">${esc(metric)}: blue = ${esc(fmt(lo))}, red = ${esc(fmt(hi))}; grey = fewer than ${minFills} fills or failed</text>`);
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
    const cells = [...x.values, m.pnl, m.return_pct, m.sharpe, m.sortino, m.return_over_drawdown, m.fills].map((v) => `<td>${esc(fmt(v))}</td>`);
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
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}th{background:#f0f0f0}tr.best{background:#fff4d6;font-weight:bold}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#666}</style>
</head><body>
<h1>${esc(r.title)}</h1>
<dl>${r.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>
<h2>${esc(r.metric)} by parameter</h2>
${chart}
<h2>Ranking${r.ranking.qualified ? ` (runs with ≥ ${r.minFills} fills)` : ` (no run reached ${r.minFills} fills: all runs)`}</h2>
<table><tr><th>#</th>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${table.join("\n")}</table>
${bests}
</body></html>
`;
}
