import { relative } from "node:path";
import { CHECKS, CHECK_IDS } from "./tally.ts";
import type { MarketReport } from "./files.ts";

/** Human-readable files-mode report: counts per check with first examples, outages, verdict. */

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(".000Z", "Z"));
const int = (n: number) => n.toLocaleString("en-US");
const shown = (file: string) => {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
};

export function formatMarketReport(r: MarketReport, gapSeconds: number): string {
  const out: string[] = [];
  out.push(`${r.market}  (${shown(r.source)})`);
  const ob = r.orderbook;
  out.push(`  orderbook: ${int(ob.files)} part(s), ${int(ob.rows)} rows, ${ob.levels ?? "?"} levels, ${iso(ob.firstMs)} → ${iso(ob.lastMs)}`);
  const tr = r.trades;
  out.push(`  trades:    ${int(tr.files)} part(s), ${int(tr.rows)} rows, ${iso(tr.firstMs)} → ${iso(tr.lastMs)}${tr.rows && !tr.idsChecked ? " (no trade ids: duplicate-id check skipped)" : ""}${tr.rows && !tr.bookChecked ? " (no order book: coverage and price checks skipped)" : ""}`);
  const found = CHECK_IDS.filter((id) => r.counts[id] > 0);
  if (found.length === 0) out.push(`  all ${CHECK_IDS.length} checks passed`);
  for (const id of found) {
    const c = CHECKS[id];
    out.push(`  ${c.severity === "error" ? "ERROR" : "warn "} ${c.title.padEnd(58)} ${int(r.counts[id]).padStart(10)}`);
    for (const ex of r.examples[id] ?? []) out.push(`          ${shown(ex.file)} row ${ex.row}: ${ex.detail}`);
  }
  if (found.length) out.push(`  other ${CHECK_IDS.length - found.length} checks: 0`);
  if (r.outages.length) {
    out.push(`  outages longer than ${gapSeconds} s:`);
    for (const o of r.outages.slice(0, 50)) out.push(`    ${iso(o.startMs)} → ${iso(o.endMs)}  ${o.durationS.toFixed(1)} s`);
    if (r.outages.length > 50) out.push(`    … ${r.outages.length - 50} more (see --json)`);
  }
  out.push(`  ${int(r.errors)} error(s), ${int(r.warnings)} warning(s)${r.unreadable ? `, ${r.unreadable} unreadable part(s)` : ""}`);
  return out.join("\n");
}
