import { relative } from "node:path";
import { CHECKS, CHECK_IDS } from "./tally.ts";
import type { MarketReport } from "./files.ts";
import type { LiveReport } from "./live.ts";

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

/** The text report of `verify_orderbook --live`. */
export function formatLive(r: LiveReport, maxErrors: number): string {
  const s = r.stats;
  const out = [
    `live check of ${r.market} (${r.url}), ${r.seconds} s`,
    `  frames ${r.frames}: ${s.snapshots} snapshot(s), ${s.deltas} delta(s)${s.deltasBeforeSnapshot ? ` (${s.deltasBeforeSnapshot} before the first snapshot, ignored)` : ""}`,
    `  snapshots compared with the delta-built book: ${s.compared}, matched ${s.matched}, mismatched ${s.mismatchedSnapshots}`,
  ];
  const lm = s.levelMismatches;
  if (s.mismatchedSnapshots) out.push(`  level mismatches: ${lm.size_mismatch} size, ${lm.missing_in_delta} missing in the delta book, ${lm.extra_in_delta} extra in the delta book`);
  for (const m of r.mismatches.slice(0, 20)) out.push(`    seq ${m.seq} ${m.side} ${m.price}: ${m.kind.replace(/_/g, " ")} (delta ${m.deltaQty}, snapshot ${m.snapshotQty})`);
  if (s.seqGaps || s.seqRegressions) out.push(`  seq gaps ${s.seqGaps}, seq regressions ${s.seqRegressions}`);
  if (s.crossedAfterDelta) out.push(`  crossed delta-built book after ${s.crossedAfterDelta} delta(s)`);
  if (s.deltaSizeConflicts) out.push(`  delta levels whose stated size ≠ old + change: ${s.deltaSizeConflicts}`);
  if (r.undecodable) out.push(`  undecodable frames: ${r.undecodable} (first: ${r.firstUndecodable})`);
  if (r.closedEarly) out.push(`  stopped early: ${r.closedEarly}`);
  if (s.compared === 0) out.push("  no snapshot after the first one arrived: nothing was compared (listen longer: the exchange sends one a minute)");
  out.push(r.problems === 0 && !r.closedEarly && s.compared > 0 ? "SUCCESS: the delta-built book matched every snapshot" : `${r.problems} problem(s) (max ${maxErrors})`);
  return out.join("\n");
}
