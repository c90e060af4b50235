/**
 * Summary statistics shared by the probe and the bench. Nearest-rank
 * percentiles: every reported value is one that was actually measured, so a
 * p99 of a small sample is an honest observed latency, never an interpolation.
 */

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** The nearest-rank `p`-th percentile (0 < p <= 100) of an ascending array; NaN when it is empty. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50/p95/p99/min/max of `values` (not modified); every field is NaN for an empty array. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    min: sorted.length > 0 ? sorted[0]! : Number.NaN,
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}
