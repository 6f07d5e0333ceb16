/**
 * The windows a person can pick, each with a bucket giving a readable bar chart of 24–60 bars (the
 * gateway's own default aims at ~200 points: 96 or 168 three-pixel bars for a day or a week).
 */
export const USAGE_RANGES = {
  '1h': { label: '1 h', title: 'Last hour', ms: 3_600_000, bucketSeconds: 60 },
  '24h': { label: '24 h', title: 'Last 24 hours', ms: 86_400_000, bucketSeconds: 3_600 },
  '7d': { label: '7 d', title: 'Last 7 days', ms: 7 * 86_400_000, bucketSeconds: 21_600 },
} as const;

/** How often the newest numbers are fetched while the page is visible (SWR pauses in background tabs). */
export const USAGE_REFRESH_MS = 5_000;

export type UsageRange = keyof typeof USAGE_RANGES;

export function isUsageRange(value: unknown): value is UsageRange {
  return typeof value === 'string' && Object.hasOwn(USAGE_RANGES, value);
}

export interface UsageWindow {
  from: string;
  to: string;
  bucketSeconds: number;
}

/** The query for `[now - ms, now]` with the range's chart bucket (also the admin overview's ranges). */
export function windowOf({ ms, bucketSeconds }: { ms: number; bucketSeconds: number }, now = Date.now()): UsageWindow {
  return { from: new Date(now - ms).toISOString(), to: new Date(now).toISOString(), bucketSeconds };
}

/** The query for `[now - range, now]`; older log pages keep the window their cursors came from. */
export function windowFor(range: UsageRange, now: number = Date.now()): UsageWindow {
  return windowOf(USAGE_RANGES[range], now);
}
