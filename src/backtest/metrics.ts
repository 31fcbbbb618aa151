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
 *   inventory_pnl − maker_fees − close_fee + funding.
 */
import { S, type RunResult } from "../sim/layout.ts";
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
    fees_total: makerFees + closeFee,
    funding,
    spread_capture: spreadCapture,
    inventory_pnl: pnl - spreadCapture + makerFees + closeFee - funding,
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
    duration_s: total / 1000,
    first_ts: sc[S.firstTs]!,
    last_ts: sc[S.lastTs]!,
  };
}

/**
 * Accounting identity: final equity − capital must equal the sum of every fill's cash flow
 * (sells +price·size, buys −price·size, the close included) minus every fee, plus funding.
 * Returns the absolute discrepancy.
 */
export function reconcile(r: RunResult, capital: number): number {
  const f = r.fills;
  let flow = 0;
  for (let i = 0; i < f.ts.length; i++) flow += -f.side[i]! * f.price[i]! * f.size[i]! - f.fee[i]!;
  flow += r.scalars[S.funding]!;
  return Math.abs(r.scalars[S.finalEquity]! - capital - flow);
}
