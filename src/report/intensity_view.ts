/**
 * Observed fill intensity by distance from mid, next to the fitted λ(δ) = A·e^(−κδ) (pure).
 *
 * For one calibration window: trades are binned by δ (docs/model.md: relative distance from the
 * mid of the last book point before the trade), and each bin's observed intensity is
 *   λ̂(bin) = trades in the bin / Σ over book points of dur·|[δmin, δmax] ∩ bin|,
 * the maximum-likelihood estimate of a piecewise-constant intensity under the same exposure the
 * calibrator uses (src/model/intensity.ts). Units are the fit's: trades·s⁻¹ per unit δ.
 */
import { tradeDelta, usableRange, type BookPoint, type TradeBookRule } from "../model/intensity.ts";

export interface IntensityBins {
  /** Bin centres in bps of mid. */
  delta_bps: number[];
  /** λ̂ per bin (NaN = no exposure). */
  observed: number[];
  trades: number[];
  /** A·e^(−κδ) at the bin centres. */
  fitted: number[];
}

export function intensityBins(
  points: BookPoint[], windowEnd: number, maxGapMs: number,
  trades: { ts: ArrayLike<number>; px: ArrayLike<number>; side: ArrayLike<number> },
  side: "bid" | "ask", fit: { kappa: number; a: number }, rule: TradeBookRule = "strictly_before", nBins = 16,
): IntensityBins {
  const sgn = side === "bid" ? -1 : 1;
  const deltas: number[] = [];
  // the calibrator's trade-to-book rule (engine.ts): the latest book strictly before the trade, or
  // (`original`) the last with ts ≤ the trade's, else the window's first book
  const orig = rule === "original";
  let j = -1;
  for (let i = 0; i < trades.ts.length; i++) {
    const t = trades.ts[i]!;
    while (j + 1 < points.length && (orig ? points[j + 1]!.ts <= t : points[j + 1]!.ts < t)) j++;
    const k = j < 0 && orig && points.length > 0 ? 0 : j;
    if (k < 0 || (!orig && t - points[k]!.ts > maxGapMs) || trades.side[i] !== sgn) continue;
    const d = tradeDelta(trades.px[i]!, points[k]!.mid, sgn);
    if (d > 0) deltas.push(d);
  }
  const empty: IntensityBins = { delta_bps: [], observed: [], trades: [], fitted: [] };
  if (deltas.length === 0) return empty;
  deltas.sort((a, b) => a - b);
  const hi = deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * 0.95))]!;
  if (!(hi > 0)) return empty;
  const w = hi / nBins;
  const counts = new Array<number>(nBins).fill(0);
  for (const d of deltas) if (d <= hi) counts[Math.min(nBins - 1, Math.floor(d / w))]!++;
  const expo = new Array<number>(nBins).fill(0);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const end = i + 1 < points.length ? points[i + 1]!.ts : windowEnd;
    if (end <= p.ts) continue;
    const dur = Math.min(end - p.ts, maxGapMs) / 1000;
    const lo = side === "bid" ? p.bidMin : p.askMin, up = side === "bid" ? p.bidMax : p.askMax;
    if (!usableRange(lo, up)) continue;
    for (let b = 0; b < nBins; b++) expo[b]! += dur * Math.max(0, Math.min(up, (b + 1) * w) - Math.max(lo, b * w));
  }
  const out: IntensityBins = { delta_bps: [], observed: [], trades: counts, fitted: [] };
  for (let b = 0; b < nBins; b++) {
    const c = (b + 0.5) * w;
    out.delta_bps.push(c * 1e4);
    out.observed.push(expo[b]! > 0 ? counts[b]! / expo[b]! : NaN);
    out.fitted.push(fit.a * Math.exp(-fit.kappa * c));
  }
  return out;
}
