import { z } from 'zod';

// Bounds of a usage query (`GET /usage/:keyId`, `GET /usage`). A window of years answered with one
// point per empty minute or week used to take the gateway's event loop for a second per request
// (0001–9999: 29.7 MB, ~520k series points), so both the window and the series are capped.
export const MAX_USAGE_WINDOW_DAYS = 400;
/** Most points a usage series may have when the bucket size is asked for explicitly. */
export const MAX_USAGE_SERIES_POINTS = 1_500;
/** Bucket sizes a usage series may use, in seconds (minute, 5 min, 15 min, hour, 6 h, day, week). */
export const USAGE_BUCKET_SECONDS = [60, 300, 900, 3_600, 21_600, 86_400, 604_800] as const;
const LARGEST_BUCKET_SECONDS = 604_800;
/** Points a chart wants: without `bucketSeconds`, the smallest bucket giving at most this many wins. */
export const USAGE_CHART_POINTS = 200;

const DAY_MS = 86_400_000;
const MAX_WINDOW_MS = MAX_USAGE_WINDOW_DAYS * DAY_MS;

/** The window a usage query means: `to` defaults to now, `from` to 24 h before `to`. */
export function resolveUsageWindow(q: { from?: string | undefined; to?: string | undefined }, now = Date.now()) {
  const to = q.to ? new Date(q.to) : new Date(now);
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  return { from, to };
}

/** Points of a series over [from, to) in buckets aligned to multiples of their size since the epoch. */
export function usageSeriesPoints(from: Date, to: Date, bucketSeconds: number): number {
  const step = bucketSeconds * 1000;
  const first = Math.floor(from.getTime() / step) * step;
  return Math.max(0, Math.ceil((to.getTime() - first) / step));
}

/** The smallest bucket giving at most USAGE_CHART_POINTS points (a week for anything longer). */
export function chartBucketSeconds(from: Date, to: Date): number {
  return (
    USAGE_BUCKET_SECONDS.find((b) => usageSeriesPoints(from, to, b) <= USAGE_CHART_POINTS) ?? LARGEST_BUCKET_SECONDS
  );
}

export const UsageBucketSecondsSchema = z.coerce
  .number({ error: 'must be a number' })
  .refine((n) => (USAGE_BUCKET_SECONDS as readonly number[]).includes(n), {
    error: `must be one of ${USAGE_BUCKET_SECONDS.join(', ')}`,
  });

export interface ResolvedUsageWindow {
  from: Date;
  to: Date;
  bucketSeconds: number;
}

/**
 * Resolves a usage query's window and series bucket, or reports why it is out of bounds: the
 * window must be non-empty and at most MAX_USAGE_WINDOW_DAYS long, an explicit bucket must give at
 * most MAX_USAGE_SERIES_POINTS points. Issues name the field (`from`, `bucketSeconds`).
 */
export function usageWindowOrIssue<Q extends { from?: string | undefined; to?: string | undefined }>(
  q: Q & { bucketSeconds?: number | undefined },
  ctx: z.RefinementCtx,
): Omit<Q, 'from' | 'to' | 'bucketSeconds'> & ResolvedUsageWindow {
  const { from, to } = resolveUsageWindow(q);
  const span = to.getTime() - from.getTime();
  if (!(span > 0)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: '`from` must be before `to`' });
    return z.NEVER;
  }
  if (span > MAX_WINDOW_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: `the window from \`from\` to \`to\` must be at most ${MAX_USAGE_WINDOW_DAYS} days`,
    });
    return z.NEVER;
  }
  const bucketSeconds = q.bucketSeconds ?? chartBucketSeconds(from, to);
  const points = usageSeriesPoints(from, to, bucketSeconds);
  if (points > MAX_USAGE_SERIES_POINTS) {
    ctx.addIssue({
      code: 'custom',
      path: ['bucketSeconds'],
      message: `gives ${points} series points for this window, at most ${MAX_USAGE_SERIES_POINTS} are allowed: choose a larger bucket or a shorter window`,
    });
    return z.NEVER;
  }
  return { ...q, from, to, bucketSeconds };
}
