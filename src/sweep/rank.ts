/**
 * Ranking of sweep runs. Pure: rows in combination order in, ordering and per-value bests out.
 * Ties and NaN are resolved deterministically (see `better`), so the table never depends on which
 * worker finished first.
 */
import type { SweepParam } from "./grid.ts";

export const RANK_METRICS = ["sharpe", "pnl", "sortino", "return_over_drawdown"] as const;
export type RankMetric = (typeof RANK_METRICS)[number];

/** Summary numbers of one run, as written to sweep_results.csv. */
export interface RunMetrics {
  pnl: number;
  return_pct: number;
  sharpe: number;
  sortino: number;
  max_drawdown: number;
  max_drawdown_pct: number;
  return_over_drawdown: number;
  fills: number;
  bid_fills: number;
  ask_fills: number;
  volume: number;
  notional: number;
  fees: number;
  spread_capture: number;
  inventory_pnl: number;
  /** Inventory just before the closing trade at the end of the run. */
  final_inventory: number;
  quote_uptime_pct: number;
  /** Liquidations under the margin model (docs/backtest.md "Margin"). */
  liquidations: number;
}
export const METRIC_KEYS: readonly (keyof RunMetrics)[] = [
  "pnl", "return_pct", "sharpe", "sortino", "max_drawdown", "max_drawdown_pct", "return_over_drawdown",
  "fills", "bid_fills", "ask_fills", "volume", "notional", "fees", "spread_capture", "inventory_pnl",
  "final_inventory", "quote_uptime_pct", "liquidations",
];

export interface SweepRow {
  /** Combination index (first parameter outermost). */
  index: number;
  values: number[];
  metrics: RunMetrics | null;
  /** Why the run failed, when it did. */
  error?: string;
}

export interface Ranking {
  /** Row indices, best first: qualifying runs, or all runs if none qualifies. */
  order: number[];
  /** False when no run reached --min-fills and every run is shown instead (as the original did). */
  qualified: boolean;
}

const value = (r: SweepRow, k: keyof RunMetrics) => (r.metrics ? r.metrics[k] : NaN);

/**
 * The ranking rule (docs/sweep.md "Ranking"). For `pnl`: higher PnL first. For a ratio
 * (Sharpe, Sortino, return/drawdown): runs that made money first, by the ratio; then runs that
 * lost or broke even, by PnL (least loss first) — a ratio of two negatives rewards volatility
 * (−$50 at Sharpe −2 would beat −$10 at Sharpe −5), so among losers it only breaks PnL ties.
 * PnL breaks the ratio's ties; undefined values go last; then the combination index.
 */
export const better = (metric: RankMetric) => (a: SweepRow, b: SweepRow): number => {
  const keys: (keyof RunMetrics)[] = metric === "pnl" ? ["pnl"] : [metric, "pnl"];
  const pa = value(a, "pnl"), pb = value(b, "pnl");
  if (metric !== "pnl") {
    const wa = pa > 0, wb = pb > 0;
    if (wa !== wb) return wa ? -1 : 1;
    if (!wa) keys.reverse(); // both lost: PnL decides, the ratio breaks ties
  }
  for (const k of keys) {
    const x = value(a, k), y = value(b, k);
    const xn = Number.isNaN(x), yn = Number.isNaN(y);
    if (xn !== yn) return xn ? 1 : -1;
    if (!xn && x !== y) return y - x;
  }
  return a.index - b.index;
};

export function rank(rows: SweepRow[], metric: RankMetric, minFills: number): Ranking {
  const ok = rows.filter((r) => r.metrics && r.metrics.fills >= minFills);
  const pool = ok.length ? ok : rows.filter((r) => r.metrics);
  return { order: [...pool].sort(better(metric)).map((r) => r.index), qualified: ok.length > 0 };
}

export interface BestPerValue {
  /** The parameter whose values are listed. */
  key: string;
  entries: { value: number; best: SweepRow | null }[];
}

/**
 * For each parameter and each of its values, the best run with that value (among the ranked
 * pool): in two dimensions this is "best γ for each horizon" and "best horizon for each γ".
 */
export function bestPerValue(rows: SweepRow[], params: SweepParam[], ranking: Ranking): BestPerValue[] {
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  const ranked = ranking.order.map((i) => byIndex.get(i)!);
  return params.map((p, k) => ({
    key: p.key,
    entries: p.values.map((value) => ({ value, best: ranked.find((r) => r.values[k] === value) ?? null })),
  }));
}
