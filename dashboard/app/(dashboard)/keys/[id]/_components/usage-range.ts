export const USAGE_RANGES = {
  '1h': { label: '1 h', title: 'Last hour', ms: 3_600_000 },
  '24h': { label: '24 h', title: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: '7 d', title: 'Last 7 days', ms: 7 * 86_400_000 },
} as const;

export type UsageRange = keyof typeof USAGE_RANGES;

export function isUsageRange(value: unknown): value is UsageRange {
  return typeof value === 'string' && Object.hasOwn(USAGE_RANGES, value);
}

/** The window `[now - range, now]`, fixed until the next refresh so log cursors stay valid while paging. */
export function windowFor(range: UsageRange, now: number = Date.now()): { from: string; to: string } {
  return { from: new Date(now - USAGE_RANGES[range].ms).toISOString(), to: new Date(now).toISOString() };
}
