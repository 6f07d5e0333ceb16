/**
 * Fixed latency buckets for the usage rollup (table usage_rollups, column latency_histogram).
 *
 * Bounds follow the R20 preferred-number series (ISO 3: 1, 1.12, 1.25 … 9, then ×10) from 0.1 ms to
 * 100 s: 121 bounds, 122 buckets. Bucket 0 is [0, 0.1 ms), bucket i is [bound[i-1], bound[i]), the
 * last is [100 s, ∞). Neighbouring bounds differ by at most 14.3 %, so a percentile read from the
 * histogram is off by less than one bucket's width: < 14.3 % of the value, usually far less with
 * the interpolation below. Counts, status classes and averages stay exact.
 *
 * The same bounds live in the database (usage_latency_bounds() in the usage_rollup migration),
 * which buckets every row as it is inserted; a test keeps the two equal. Changing them needs a
 * migration that rebuilds usage_rollups.
 */
const R20 = [1, 1.12, 1.25, 1.4, 1.6, 1.8, 2, 2.24, 2.5, 2.8, 3.15, 3.55, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9];

export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  // toPrecision: 1.12 × 0.1 must be the double nearest to 0.112, as PostgreSQL parses '0.112'.
  ...[-1, 0, 1, 2, 3, 4].flatMap((exp) => R20.map((m) => Number((m * 10 ** exp).toPrecision(3)))),
  100_000,
]);

/** Number of buckets (one more than bounds). */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket of a latency, as PostgreSQL's width_bucket(latency, bounds) numbers it (0-based). */
export function latencyBucket(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENCY_BOUNDS_MS[mid]! <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Quantiles from bucket counts, with the same definition as PostgreSQL's percentile_cont (rank
 * q·(n−1) among the sorted values) and values assumed evenly spread inside their bucket. The
 * observed minimum and maximum narrow the first and last occupied buckets (and bound the open-ended
 * ones). Returns null for each quantile when the histogram is empty.
 */
export function estimateQuantiles(
  counts: ArrayLike<number>,
  quantiles: readonly number[],
  observed: { min: number; max: number },
): (number | null)[] {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  if (n === 0) return quantiles.map(() => null);
  return quantiles.map((q) => {
    const rank = q * (n - 1);
    if (rank <= 0) return observed.min;
    if (rank >= n - 1) return observed.max;
    let below = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i]!;
      if (c === 0) continue;
      if (rank < below + c) {
        const lo = Math.max(i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!, observed.min);
        const hi = Math.min(i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i]! : observed.max, observed.max);
        return lo + ((hi - lo) * (rank - below)) / c;
      }
      below += c;
    }
    return observed.max;
  });
}
