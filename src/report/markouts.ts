/**
 * Markouts (adverse selection, pure): how far the mid moved after each of our maker fills, at
 * fixed horizons, per side. move = side·(mid(t + h) − mid(t)) with side +1 for our bid filled
 * (we bought) and −1 for our ask: positive = the mid moved our way, negative = we were picked off.
 * Reported in bps of the fill's mid and in USD (move·size), as mean ± a 95 % confidence half-width
 * (1.96·s/√n, normal approximation). The closing trade and liquidations are not quotes and are left out; a fill whose
 * horizon runs past the last book row has no markout at that horizon.
 */
import { isQuoteFill, type FillColumns } from "./attribution.ts";

export const MARKOUT_HORIZONS_S = [1, 5, 30, 60, 300] as const;

export interface MarkoutStat {
  horizon_s: number;
  side: "buy" | "sell";
  n: number;
  mean_bps: number | null;
  ci95_bps: number | null;
  mean_usd: number | null;
  ci95_usd: number | null;
  /** Σ move·size: the USD the mid took from (−) or gave to (+) this side's fills at this horizon. */
  total_usd: number;
}

/** The core's mid rule: (bid + ask)/2 when both sides are present (> 0), else the last mid. */
export const bookMid = (bestBid: number, bestAsk: number, last: number) => (bestBid > 0 && bestAsk > 0 ? (bestBid + bestAsk) / 2 : last);

/**
 * The mid in force at given times, from book rows streamed in time order. The mid at time t is
 * the one after every book row with ts ≤ t (bookMid). Times after the last book row stay NaN.
 */
export class MidAtTimes {
  readonly mids: Float64Array;
  private readonly order: Uint32Array;
  private next = 0;
  private mid = NaN;
  private lastTs = -Infinity;

  constructor(readonly times: Float64Array) {
    this.mids = new Float64Array(times.length).fill(NaN);
    this.order = Uint32Array.from(times.keys()).sort((a, b) => times[a]! - times[b]!);
  }

  /** Book rows in time order (bid/ask 0 = side missing). */
  feed(ts: ArrayLike<number>, bestBid: ArrayLike<number>, bestAsk: ArrayLike<number>, n = ts.length): void {
    const { times, order, mids } = this;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      while (this.next < order.length && times[order[this.next]!]! < t) mids[order[this.next++]!] = this.mid;
      this.mid = bookMid(bestBid[i]!, bestAsk[i]!, this.mid);
      this.lastTs = t;
    }
  }

  /** Resolves the times at or after the last row only when they equal it (the data say nothing later). */
  finish(): Float64Array {
    const { times, order, mids } = this;
    while (this.next < order.length && times[order[this.next]!]! <= this.lastTs) mids[order[this.next++]!] = this.mid;
    return mids;
  }
}

/** The maker fills' indices and the times their markouts need (fill k, horizon h at k·H + h). */
export function markoutTimes(fills: FillColumns, horizonsS: readonly number[] = MARKOUT_HORIZONS_S): { fillIdx: Uint32Array; times: Float64Array } {
  const idx: number[] = [];
  for (let k = 0; k < fills.ts.length; k++) if (isQuoteFill(fills.trade[k]!)) idx.push(k);
  const H = horizonsS.length;
  const times = new Float64Array(idx.length * H);
  idx.forEach((k, q) => horizonsS.forEach((h, j) => (times[q * H + j] = fills.ts[k]! + h * 1000)));
  return { fillIdx: Uint32Array.from(idx), times };
}

function stat(xs: number[]): { mean: number | null; ci: number | null } {
  const n = xs.length;
  if (n === 0) return { mean: null, ci: null };
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  if (n < 2) return { mean, ci: null };
  const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, ci: (1.96 * Math.sqrt(v)) / Math.sqrt(n) };
}

/** Markout statistics from the fills and the mids at `markoutTimes` (NaN = unresolved). */
export function markouts(fills: FillColumns, fillIdx: ArrayLike<number>, midsAfter: ArrayLike<number>, horizonsS: readonly number[] = MARKOUT_HORIZONS_S): MarkoutStat[] {
  const H = horizonsS.length;
  const out: MarkoutStat[] = [];
  for (const side of ["buy", "sell"] as const) {
    const sgn = side === "buy" ? 1 : -1;
    horizonsS.forEach((h, j) => {
      const bps: number[] = [], usd: number[] = [];
      for (let q = 0; q < fillIdx.length; q++) {
        const k = fillIdx[q]!;
        if (fills.side[k] !== sgn) continue;
        const after = midsAfter[q * H + j]!, m0 = fills.mid[k]!;
        if (!Number.isFinite(after) || !(m0 > 0)) continue;
        const move = sgn * (after - m0);
        bps.push((move / m0) * 1e4);
        usd.push(move * fills.size[k]!);
      }
      const b = stat(bps), u = stat(usd);
      out.push({ horizon_s: h, side, n: bps.length, mean_bps: b.mean, ci95_bps: b.ci, mean_usd: u.mean, ci95_usd: u.ci, total_usd: usd.reduce((a, x) => a + x, 0) });
    });
  }
  return out;
}

export const MARKOUTS_HEADER = "side,horizon_s,n,mean_bps,ci95_bps,mean_usd,ci95_usd,total_usd";

export function markoutsCsv(m: MarkoutStat[]): string {
  const f = (x: number | null) => (x === null ? "" : String(x));
  return [MARKOUTS_HEADER, ...m.map((s) => [s.side, s.horizon_s, s.n, f(s.mean_bps), f(s.ci95_bps), f(s.mean_usd), f(s.ci95_usd), s.total_usd].join(","))].join("\n") + "\n";
}
