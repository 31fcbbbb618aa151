/** sweep_results.csv and the text summary printed at the end of a sweep. */
import type { SweepParam } from "./grid.ts";
import { METRIC_KEYS, type BestPerValue, type RankMetric, type Ranking, type SweepRow } from "./rank.ts";

/** Shortest round-trip text of a number; empty for NaN/missing so spreadsheets see a blank. */
const cell = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "" : String(x));
const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** All runs in combination order (deterministic), with their rank (empty if not ranked). */
export function resultsCsv(rows: SweepRow[], params: SweepParam[], ranking: Ranking): string {
  const rankOf = new Map(ranking.order.map((idx, k) => [idx, k + 1]));
  const head = ["index", "rank", ...params.map((p) => p.key), ...METRIC_KEYS, "error"];
  const lines = [head.join(",")];
  for (const r of [...rows].sort((a, b) => a.index - b.index)) {
    lines.push(
      [
        String(r.index),
        String(rankOf.get(r.index) ?? ""),
        ...r.values.map(cell),
        ...METRIC_KEYS.map((k) => cell(r.metrics?.[k])),
        quote(r.error ?? ""),
      ].join(","),
    );
  }
  return lines.join("\n") + "\n";
}

export const fmt = (x: number | undefined, digits = 4) => {
  if (x === undefined || Number.isNaN(x)) return "-";
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(digits + 2)));
};

export function summaryText(rows: SweepRow[], params: SweepParam[], ranking: Ranking, best: BestPerValue[], metric: RankMetric, minFills: number, top = 15): string {
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  const out: string[] = [];
  const failed = rows.filter((r) => !r.metrics).length;
  out.push(`${rows.length} runs${failed ? `, ${failed} failed` : ""}; ranked by ${metric}${ranking.qualified ? ` among runs with ≥ ${minFills} fills` : ` — no run reached ${minFills} fills, showing all`}`);
  const cols = [...params.map((p) => p.key), "pnl", "return_pct", "sharpe", "sortino", "return_over_drawdown", "fills"];
  const widths = cols.map((c) => Math.max(c.length, 10));
  out.push(["  #", ...cols.map((c, i) => c.padStart(widths[i]))].join("  "));
  ranking.order.slice(0, top).forEach((idx, k) => {
    const r = byIndex.get(idx)!;
    const vals = [...r.values, r.metrics!.pnl, r.metrics!.return_pct, r.metrics!.sharpe, r.metrics!.sortino, r.metrics!.return_over_drawdown, r.metrics!.fills];
    out.push([`${k === 0 ? "*" : " "}${String(k + 1).padStart(2)}`, ...vals.map((x, i) => fmt(x).padStart(widths[i]))].join("  "));
  });
  if (ranking.order.length > top) out.push(`  … ${ranking.order.length - top} more in sweep_results.csv`);
  const b = byIndex.get(ranking.order[0]);
  if (b?.metrics) {
    out.push("");
    out.push(`[BEST] ${params.map((p, i) => `${p.key}=${fmt(b.values[i], 6)}`).join("  ")}  →  ${metric} ${fmt(b.metrics[metric])}, pnl ${fmt(b.metrics.pnl)}, fills ${b.metrics.fills}`);
  }
  if (params.length >= 2) {
    for (const [k, bp] of best.entries()) {
      const others = params.filter((_, i) => i !== k);
      out.push("");
      out.push(`Best ${others.map((p) => p.key).join(", ")} for each ${bp.key}:`);
      for (const e of bp.entries) {
        const w = e.best;
        out.push(
          `  ${bp.key}=${fmt(e.value, 6).padEnd(10)} → ${w ? `${others.map((p) => `${p.key}=${fmt(w.values[params.indexOf(p)], 6)}`).join(", ")}  (${metric} ${fmt(w.metrics![metric])}, pnl ${fmt(w.metrics!.pnl)})` : "no qualifying run"}`,
        );
      }
    }
  }
  return out.join("\n");
}
