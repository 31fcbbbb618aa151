/**
 * Summary metrics of one run, computed from the loop's outputs. Pure. Undefined ratios (too few
 * samples, zero variance) are null, never NaN.
 *
 * Conventions:
 * - final_pnl is profit (final equity − initial capital); the original printed equity as "P&L".
 * - Equity is sampled on a fixed grid every `sampleSeconds` from the first event (plus one final
 *   sample after the closing trade). Returns are equity differences over the initial capital;
 *   Sharpe = mean/std(sample) × √(periods per year), Sortino = mean/downside RMS × √(periods per
 *   year), with 365-day years (crypto trades every day).
 * - PnL split: spread capture = Σ over maker fills of (mid − price)·size for buys and
 *   (price − mid)·size for sells, at the mid in force when the fill happened; inventory PnL is the
 *   rest of the gross PnL (mark-to-market of the position): final_pnl = spread_capture +
 *   inventory_pnl − maker_fees − close_fee − liquidation_fees + funding.
 * - Margin (null without the margin model): peak margin usage = max of initial margin / equity,
 *   minimum distance to liquidation = how far the mark was, at its closest, from the price at which
 *   the equity meets the maintenance margin (% of the mark; 0 once liquidated).
 */
import { FILL_LIQUIDATION, S, type RunResult } from "../sim/layout.ts";
import type { RunParams } from "../sim/params.ts";

export interface Summary {
  initial_capital: number;
  final_equity: number;
  final_pnl: number;
  return_pct: number;
  sample_seconds: number;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown: number;
  max_drawdown_pct: number;
  max_drawdown_duration_s: number;
  bid_fills: number;
  ask_fills: number;
  total_fills: number;
  volume: number;
  notional: number;
  turnover: number;
  maker_fees: number;
  close_fee: number;
  /** Taker + liquidation fees of the liquidation closes. */
  liquidation_fees: number;
  fees_total: number;
  funding: number;
  spread_capture: number;
  inventory_pnl: number;
  mean_abs_inventory: number;
  max_abs_inventory: number;
  time_at_limit_pct: number;
  quote_uptime_pct: number;
  bid_uptime_pct: number;
  ask_uptime_pct: number;
  orders_placed: number;
  post_only_rejects: number;
  expired_quotes: number;
  fill_ratio: number | null;
  inventory_before_close: number;
  close_price: number;
  close_volume: number;
  close_notional: number;
  quotes_computed: number;
  recalibrations: number;
  leverage: number | null;
  maintenance_margin_ratio: number | null;
  liquidations: number;
  /** Time of the first liquidation (epoch ms); each one is a fill with source "liquidation". */
  first_liquidation_ts: number | null;
  margin_rejects: number;
  peak_margin_usage_pct: number | null;
  min_liquidation_distance_pct: number | null;
  duration_s: number;
  first_ts: number;
  last_ts: number;
}

const YEAR_S = 365 * 86400;
const clean = (x: number) => (Number.isFinite(x) ? x : 0);

export interface Drawdown {
  max: number;
  maxPct: number;
  durationMs: number;
}

/** Largest peak-to-trough fall of a series, and the longest time spent below a previous peak. */
export function drawdown(ts: Float64Array, eq: Float64Array): Drawdown {
  let peak = -Infinity, peakTs = 0, max = 0, maxPct = 0, dur = 0;
  let below = false; // only a stretch below the peak is time under water (a flat curve has none)
  for (let i = 0; i < eq.length; i++) {
    const e = eq[i]!;
    if (e >= peak) {
      if (below) dur = Math.max(dur, ts[i]! - peakTs);
      below = false;
      peak = e;
      peakTs = ts[i]!;
      continue;
    }
    below = true;
    const dd = peak - e;
    if (dd > max) max = dd;
    if (peak > 0 && dd / peak > maxPct) maxPct = dd / peak;
  }
  if (eq.length > 0 && eq[eq.length - 1]! < peak) dur = Math.max(dur, ts[eq.length - 1]! - peakTs);
  return { max, maxPct: maxPct * 100, durationMs: dur };
}

/** Annualised Sharpe and Sortino of equity differences; null when undefined. */
function riskRatios(eq: Float64Array, capital: number, sampleSeconds: number): { sharpe: number | null; sortino: number | null } {
  const n = eq.length - 1;
  if (n < 2 || !(capital > 0)) return { sharpe: null, sortino: null };
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += (eq[i]! - eq[i - 1]!) / capital;
  const mean = sum / n;
  let ss = 0, down = 0;
  for (let i = 1; i <= n; i++) {
    const r = (eq[i]! - eq[i - 1]!) / capital;
    ss += (r - mean) ** 2;
    if (r < 0) down += r * r;
  }
  const std = Math.sqrt(ss / (n - 1));
  const dd = Math.sqrt(down / n);
  const ann = Math.sqrt(YEAR_S / sampleSeconds);
  return {
    sharpe: std > 1e-15 ? (mean / std) * ann : null,
    sortino: dd > 1e-15 ? (mean / dd) * ann : null,
  };
}

export function equitySeries(r: RunResult): Float64Array {
  const q = r.samples, n = q.ts.length, eq = new Float64Array(n);
  for (let i = 0; i < n; i++) eq[i] = q.cash[i]! + q.inventory[i]! * q.mid[i]!;
  return eq;
}

export function summarize(r: RunResult, p: RunParams): Summary {
  const sc = r.scalars;
  const capital = p.capital;
  const finalEquity = sc[S.finalEquity]!;
  const pnl = finalEquity - capital;
  const eq = equitySeries(r);
  const { sharpe, sortino } = riskRatios(eq, capital, p.sampleMs / 1000);
  const dd = drawdown(r.samples.ts, eq);
  const total = sc[S.totalTime]!;
  const pct = (x: number) => (total > 0 ? (x / total) * 100 : 0);
  const fills = sc[S.bidFills]! + sc[S.askFills]!;
  const makerFees = sc[S.makerFees]!, closeFee = sc[S.closeFee]!, funding = sc[S.funding]!;
  const spreadCapture = sc[S.spreadCapture]!;
  const orders = sc[S.ordersPlaced]!;
  const liqFees = sc[S.liquidationFees]!;
  const margin = p.leverage > 0, held = sc[S.peakMarginUsage]! > 0;
  const firstLiq = r.fills.trade.indexOf(FILL_LIQUIDATION);
  return {
    initial_capital: capital,
    final_equity: finalEquity,
    final_pnl: pnl,
    return_pct: capital > 0 ? (pnl / capital) * 100 : 0,
    sample_seconds: p.sampleMs / 1000,
    sharpe,
    sortino,
    max_drawdown: dd.max,
    max_drawdown_pct: dd.maxPct,
    max_drawdown_duration_s: dd.durationMs / 1000,
    bid_fills: sc[S.bidFills]!,
    ask_fills: sc[S.askFills]!,
    total_fills: fills,
    volume: sc[S.volume]!,
    notional: sc[S.notional]!,
    turnover: capital > 0 ? sc[S.notional]! / capital : 0,
    maker_fees: makerFees,
    close_fee: closeFee,
    liquidation_fees: liqFees,
    fees_total: makerFees + closeFee + liqFees,
    funding,
    spread_capture: spreadCapture,
    inventory_pnl: pnl - spreadCapture + makerFees + closeFee + liqFees - funding,
    mean_abs_inventory: clean(total > 0 ? sc[S.absInvTime]! / total : 0),
    max_abs_inventory: sc[S.maxAbsInv]!,
    time_at_limit_pct: pct(sc[S.limitTime]!),
    quote_uptime_pct: pct(sc[S.anyLiveTime]!),
    bid_uptime_pct: pct(sc[S.bidLiveTime]!),
    ask_uptime_pct: pct(sc[S.askLiveTime]!),
    orders_placed: orders,
    post_only_rejects: sc[S.postOnlyRejects]!,
    expired_quotes: sc[S.expired]!,
    fill_ratio: orders > 0 ? fills / orders : null,
    inventory_before_close: sc[S.invBeforeClose]!,
    close_price: sc[S.closePrice]!,
    close_volume: Math.abs(sc[S.closeQty]!),
    close_notional: sc[S.closeNotional]!,
    quotes_computed: sc[S.quotesComputed]!,
    recalibrations: sc[S.nRows]!,
    leverage: margin ? p.leverage : null,
    maintenance_margin_ratio: margin ? p.maintenanceMarginRatio : null,
    liquidations: sc[S.liquidations]!,
    first_liquidation_ts: firstLiq >= 0 ? r.fills.ts[firstLiq]! : null,
    margin_rejects: sc[S.marginRejects]!,
    peak_margin_usage_pct: margin && held ? sc[S.peakMarginUsage]! * 100 : null,
    min_liquidation_distance_pct: margin && held ? Math.max(0, sc[S.minLiqDistance]!) * 100 : null,
    duration_s: total / 1000,
    first_ts: sc[S.firstTs]!,
    last_ts: sc[S.lastTs]!,
  };
}

/**
 * Accounting identity: final equity − capital must equal the sum of every fill's cash flow
 * (sells +price·size, buys −price·size, the close and liquidations included) minus every fee, plus
 * funding. Returns the absolute discrepancy and the tolerance it is held to.
 *
 * The core keeps cash by adding each flow as it happens, this sums them afterwards: both round in
 * f64, so the difference grows with the money moved, not with a fixed number of dollars. The
 * tolerance is 1e-13 of the gross, capital + Σ|price·size| + Σ|fee| + |funding| (about 450 ulps of
 * it; each addition rounds by at most half an ulp of a partial sum, and the partial sums stay far
 * below the gross), so the check means the same from $1 to $1e9 of capital: at $1e9 with 25× turnover
 * it is 0.25 cents.
 */
export function reconcile(r: RunResult, capital: number): { diff: number; tolerance: number } {
  const f = r.fills;
  let flow = 0, gross = capital + Math.abs(r.scalars[S.funding]!);
  for (let i = 0; i < f.ts.length; i++) {
    const cash = f.price[i]! * f.size[i]!, fee = f.fee[i]!;
    flow += -f.side[i]! * cash - fee;
    gross += Math.abs(cash) + Math.abs(fee);
  }
  flow += r.scalars[S.funding]!;
  return { diff: Math.abs(r.scalars[S.finalEquity]! - capital - flow), tolerance: 1e-13 * gross };
}
