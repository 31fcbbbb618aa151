/**
 * report.html's page: one self-contained file (no network, no external script, font or image).
 * uPlot and the page's script are inlined (src/report/uplot_assets.ts); the charts' data is one
 * JSON block the script reads. `</` inside the inlined text is escaped so no script can end early.
 */
import { esc } from "./escape.ts";
import type { Band, ChartSpec } from "./tearsheet.ts";
import type { SummaryRow } from "./summary_groups.ts";
import { CLIENT_JS, UPLOT_CSS, UPLOT_JS } from "./uplot_assets.ts";

export interface TableSpec {
  title: string;
  /** HTML id of the table (for tests and links). */
  id: string;
  head?: string[];
  rows: (string | number)[][];
  note?: string;
}

/** Text safe inside <script> and <style>: no `</` can close the element. */
const inline = (s: string) => s.replace(/<\//g, "<\\/");

function groupTable(g: { title: string; rows: SummaryRow[] }): string {
  const rows = g.rows.map((r) => `<tr title="${esc(r.key)}"><th>${esc(r.label)}<code>${esc(r.key)}</code></th><td${r.value !== null && r.value < 0 && r.unit === "usd" ? ' class="neg"' : ""}>${esc(r.text)}</td></tr>`);
  return `<h2>${esc(g.title)}</h2><table class="summary" id="summary-${esc(g.title.toLowerCase().replace(/\W+/g, "-"))}">${rows.join("")}</table>`;
}

export function table(t: TableSpec): string {
  const head = t.head ? `<tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>` : "";
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${esc(String(c))}</th>` : `<td>${esc(String(c))}</td>`)).join("")}</tr>`);
  return `<h2>${esc(t.title)}</h2><table class="grid" id="${esc(t.id)}">${head}${rows.join("")}</table>${t.note ? `<p class="note">${esc(t.note)}</p>` : ""}`;
}

export const PAGE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:20px 24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 2px}.sub{color:#5b6670;margin:0 0 10px;font-size:13px}
.headline{font-size:16px;margin:6px 0 14px;padding:10px 14px;background:#f6f8fa;border-left:4px solid #1d232a;max-width:1000px}
.headline.loss{border-left-color:#cf222e}.headline.win{border-left-color:#1a7f37}
.layout{display:flex;gap:28px;align-items:flex-start;flex-wrap:wrap}.charts{flex:1 1 760px;max-width:1000px;min-width:320px}
.side{flex:0 0 420px}table.summary{width:100%}.chart{margin:0 0 4px}.note{color:#5b6670;font-size:12px;margin:0 0 18px;max-width:1000px}
.legend{font-size:12px;color:#5b6670;margin:0 0 10px}.sw{display:inline-block;width:12px;height:10px;margin:0 4px 0 10px;vertical-align:-1px}
h2{font-size:14px;margin:16px 0 4px}
table.summary,table.grid{border-collapse:collapse;font-size:12.5px}
table.summary th{text-align:left;font-weight:500;padding:2px 14px 2px 0;color:#3b4650}
table.summary th code{display:block;font-size:10.5px;color:#8c959f;font-weight:400}
table.summary td{text-align:right;font-variant-numeric:tabular-nums;padding:2px 0;white-space:nowrap}
table.grid th,table.grid td{padding:2px 8px;text-align:right;font-variant-numeric:tabular-nums;border-bottom:1px solid #eaeef2}
table.grid tr:first-child th{color:#5b6670;font-weight:500}td.neg,.neg{color:#cf222e}
.u-title{font-size:13px!important;font-weight:600!important;text-align:left!important;padding-left:64px}
.u-legend{font-size:12px!important}
`;

export function reportHtml(o: {
  title: string;
  subtitle: string;
  headline: { text: string; loss: boolean };
  charts: ChartSpec[];
  bands: Band[];
  groups: { title: string; rows: SummaryRow[] }[];
  tables: TableSpec[];
  notes: string[];
}): string {
  const data = JSON.stringify({ charts: o.charts, bands: o.bands });
  const chartDivs = o.charts.map((c) => `<div class="chart" id="chart-${esc(c.id)}"></div><p class="note">${esc(c.note)}</p>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${inline(UPLOT_CSS)}${PAGE_CSS}</style></head>
<body data-charts="0">
<h1>${esc(o.title)}</h1><p class="sub">${esc(o.subtitle)}</p>
<p class="headline ${o.headline.loss ? "loss" : "win"}" id="headline">${esc(o.headline.text)}</p>
<p class="legend">Drag on a time chart to zoom (all time charts follow), double-click to reset; hover for values. Shaded:
<span class="sw" style="background:rgba(140,149,159,0.35)"></span>warm-up
<span class="sw" style="background:rgba(191,135,0,0.3)"></span>default κ/A (not yet calibrated) — both left out of the y-range.</p>
<div class="layout"><div class="charts">
${chartDivs}
</div><div class="side">${o.groups.map(groupTable).join("")}${o.tables.map(table).join("")}</div></div>
<div class="note">${o.notes.map((n) => `<p>${esc(n)}</p>`).join("")}</div>
<script type="application/json" id="tearsheet-data">${inline(data)}</script>
<script>${inline(UPLOT_JS)}</script>
<script>${inline(CLIENT_JS)}</script>
</body></html>
`;
}
