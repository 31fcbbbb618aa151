/**
 * report.html: one self-contained page (no network, no external script or font) with inline SVG
 * charts — equity, inventory, mid with our bid/ask, our quoted spread — and the summary table.
 * A tiny inline script only checks that every chart laid out a visible line and records the
 * count in `body[data-rendered]` (the headless-browser test reads it).
 */
import type { Summary } from "../backtest/metrics.ts";

export interface Series {
  name: string;
  color: string;
  y: ArrayLike<number>;
}

export interface ChartSpec {
  title: string;
  unit: string;
  x: ArrayLike<number>;
  series: Series[];
}

/** A small named table next to the summary (e.g. data quality): rows of key, value and an optional explanation. */
export interface TableSpec {
  title: string;
  /** HTML id of the table (for tests and links). */
  id: string;
  rows: [key: string, value: number | string, note?: string][];
}

const W = 920, H = 220, ML = 70, MR = 16, MT = 26, MB = 28;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

const fmtY = (v: number) => (Math.abs(v) >= 1e4 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(2) : v.toPrecision(4));
const SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN, DAY = 24 * HOUR;
const TIME_STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400,
].map((s) => s * SEC);

/**
 * Time-axis ticks at round UTC times (every 10 s, 5 min, 6 h, 1 day, …): 3 to 7 of them over
 * [x0, x1], each labelled only as precisely as the step needs. Times are epoch ms.
 */
export function timeTicks(x0: number, x1: number): { t: number; label: string }[] {
  const span = x1 - x0;
  if (!(span > 0)) return [{ t: x0, label: new Date(x0).toISOString().slice(11, 19) }];
  const step = TIME_STEPS.find((s) => span / s <= 6) ?? Math.ceil(span / 6 / DAY) * DAY;
  const iso = (t: number) => new Date(t).toISOString();
  const label = (t: number) =>
    step >= DAY ? iso(t).slice(5, 10)
    : span > DAY ? iso(t).slice(5, 16).replace("T", " ")
    : step < MIN ? iso(t).slice(11, 19)
    : iso(t).slice(11, 16);
  const out: { t: number; label: string }[] = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) out.push({ t, label: label(t) });
  return out;
}

/** Indices to draw: every point up to `max`, else an even stride (the first and last always). */
function strideIdx(n: number, max = 3000): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const s = (n - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => Math.round(i * s));
}

export function lineChart(c: ChartSpec): string {
  const idx = strideIdx(c.x.length);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const i of idx) {
    const x = c.x[i]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    for (const s of c.series) {
      const y = s.y[i]!;
      if (Number.isFinite(y)) {
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (!Number.isFinite(y0)) (y0 = 0), (y1 = 1);
  if (y1 - y0 < 1e-12 * Math.max(1, Math.abs(y0))) (y0 -= 0.5 * Math.max(1e-9, Math.abs(y0) * 1e-6)), (y1 = y0 + Math.max(1e-9, Math.abs(y0) * 2e-6));
  if (!(x1 > x0)) x1 = x0 + 1;
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => ML + ((x - x0) / (x1 - x0)) * (W - ML - MR);
  const py = (y: number) => MT + (1 - (y - y0) / (y1 - y0)) * (H - MT - MB);
  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.title)}">`);
  parts.push(`<text x="${ML}" y="16" class="title">${esc(c.title)}${c.unit ? ` (${esc(c.unit)})` : ""}</text>`);
  for (const t of niceTicks(y0, y1)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${ML}" x2="${W - MR}" y1="${y}" y2="${y}" class="grid"/><text x="${ML - 6}" y="${y}" class="ylab">${fmtY(t)}</text>`);
  }
  for (const { t, label } of timeTicks(x0, x1)) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${MT}" y2="${H - MB}" class="grid"/><text x="${x}" y="${H - 8}" class="xlab">${esc(label)}</text>`);
  }
  let lx = W - MR;
  for (const s of [...c.series].reverse()) {
    lx -= 8 + s.name.length * 7;
    parts.push(`<rect x="${lx}" y="8" width="10" height="3" fill="${s.color}"/><text x="${lx + 13}" y="13" class="legend">${esc(s.name)}</text>`);
    lx -= 14;
  }
  for (const s of c.series) {
    let d = "";
    let pen = false;
    for (const i of idx) {
      const y = s.y[i]!;
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${px(c.x[i]!).toFixed(1)} ${py(y).toFixed(1)}`;
      pen = true;
    }
    if (d) parts.push(`<path class="series" d="${d}" stroke="${s.color}"/>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

function summaryTable(s: Summary): string {
  const rows = Object.entries(s).map(([k, v]) => {
    const val = v === null ? "n/a" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(8)) : String(v);
    return `<tr><th>${esc(k)}</th><td>${esc(val)}</td></tr>`;
  });
  return `<table class="summary">${rows.join("")}</table>`;
}

function smallTable(t: TableSpec): string {
  const rows = t.rows.map(([k, v, note]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td>${note ? `<td class="note">${esc(note)}</td>` : ""}</tr>`);
  return `<h2>${esc(t.title)}</h2><table class="summary" id="${esc(t.id)}">${rows.join("")}</table>`;
}

export function reportHtml(opts: { title: string; subtitle: string; summary: Summary; charts: ChartSpec[]; tables?: TableSpec[]; notes: string[] }): string {
  const charts = opts.charts.map(lineChart).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(opts.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px}.sub{color:#5b6670;margin:0 0 16px}
.grid{stroke:#e6e9ec;stroke-width:1}.series{fill:none;stroke-width:1.4}
.title{font-weight:600;font-size:13px}.ylab{font-size:11px;fill:#5b6670;text-anchor:end;dominant-baseline:middle}
.xlab{font-size:11px;fill:#5b6670;text-anchor:middle}.legend{font-size:11px;fill:#1d232a}
.wrap{display:flex;gap:24px;flex-wrap:wrap}.charts svg{display:block;margin-bottom:8px;max-width:100%;height:auto}
table.summary{border-collapse:collapse;font-size:12px}table.summary th{text-align:left;font-weight:500;padding:2px 12px 2px 0;color:#3b4650}
table.summary td{text-align:right;font-variant-numeric:tabular-nums;padding:2px 0}
table.summary td.note{text-align:left;color:#5b6670;padding-left:12px;max-width:260px}h2{font-size:14px;margin:16px 0 4px}
.notes{color:#5b6670;font-size:12px;max-width:920px}
</style></head>
<body data-rendered="0">
<h1>${esc(opts.title)}</h1><p class="sub">${esc(opts.subtitle)}</p>
<div class="wrap"><div class="charts">
${charts}
</div><div>${summaryTable(opts.summary)}${(opts.tables ?? []).map(smallTable).join("")}</div></div>
<div class="notes">${opts.notes.map((n) => `<p>${esc(n)}</p>`).join("")}</div>
<script>
(function(){var ok=0;document.querySelectorAll("svg.chart").forEach(function(svg){var p=svg.querySelectorAll("path.series");for(var i=0;i<p.length;i++){var b=p[i].getBBox();if(b.width>0){ok++;return;}}});document.body.setAttribute("data-rendered",String(ok));})();
</script>
</body></html>
`;
}
