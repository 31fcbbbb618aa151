/** Summary statistics as the original's calculate_spread prints them (§1.3). */
export interface Summary {
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (n − 1); 0 for n = 1. */
  std: number;
  min: number;
  max: number;
}

export function summarize(values: ArrayLike<number>): Summary | null {
  const xs = Array.from(values).filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return null;
  xs.sort((a, b) => a - b);
  // a constant series (γ in calculate_spread) is reported exactly, not with summation noise
  if (xs[0] === xs[n - 1]) return { n, mean: xs[0], median: xs[0], std: 0, min: xs[0], max: xs[0] };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const median = n % 2 === 1 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
  const ss = xs.reduce((s, x) => s + (x - mean) * (x - mean), 0);
  return { n, mean, median, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, min: xs[0], max: xs[n - 1] };
}
