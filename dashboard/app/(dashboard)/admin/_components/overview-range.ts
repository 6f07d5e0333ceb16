import { USAGE_RANGES, type UsageWindow, windowOf } from '../../keys/[id]/_components/usage-range';

/** The key usage page's windows plus a month: operators look further back than a key's owner. */
export const OVERVIEW_RANGES = {
  ...USAGE_RANGES,
  '30d': { label: '30 d', title: 'Last 30 days', ms: 30 * 86_400_000, bucketSeconds: 86_400 },
} as const;

export type OverviewRange = keyof typeof OVERVIEW_RANGES;

export const OVERVIEW_RANGE_OPTIONS = (Object.keys(OVERVIEW_RANGES) as OverviewRange[]).map((value) => ({
  value,
  label: OVERVIEW_RANGES[value].label,
  title: OVERVIEW_RANGES[value].title,
}));

export function isOverviewRange(value: unknown): value is OverviewRange {
  return typeof value === 'string' && Object.hasOwn(OVERVIEW_RANGES, value);
}

const HOUR_MS = 3_600_000;

/**
 * The query for `[now - range, now]`, with the range's chart bucket. Ranges charted in buckets of an
 * hour or more start on a whole hour (up to 59 minutes earlier): their first bar is then a whole one,
 * and the gateway answers them from its rollups alone, without reading the raw requests of a partial
 * first hour (bench/RESULTS.md, "Usage analytics over a month").
 */
export function overviewWindow(range: OverviewRange, now: number = Date.now()): UsageWindow {
  const window = windowOf(OVERVIEW_RANGES[range], now);
  if (window.bucketSeconds < 3_600) return window;
  const from = Math.floor(Date.parse(window.from) / HOUR_MS) * HOUR_MS;
  return { ...window, from: new Date(from).toISOString() };
}
