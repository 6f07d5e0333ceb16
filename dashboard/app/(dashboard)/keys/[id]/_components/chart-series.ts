import type { UsageResponse } from '@gateway/shared';

/**
 * What a chart needs of a usage answer: one key's (`GET /usage/:keyId`), all keys' (the overview) or the
 * analytics page's, whose points also count their 429s.
 */
export type UsageSeries = Pick<UsageResponse, 'from' | 'to' | 'bucketSeconds'> & {
  series: (UsageResponse['series'][number] & { rateLimited?: number })[];
};

export interface ChartPoint {
  t: number;
  /** Requests answered below 400: stacked under `errors` so a bar's height is all requests. */
  ok: number;
  /** 4xx and 5xx, without the 429s when `limited` counts them. */
  errors: number;
  /** 429s, when the answer counts them per point. */
  limited?: number;
}

/**
 * The gateway may omit empty buckets; a chart without them would draw a line straight across a quiet
 * hour. When its buckets sit on the epoch-aligned grid, the gaps are filled with zeros.
 */
export function toChartPoints(usage: UsageSeries): ChartPoint[] {
  const step = usage.bucketSeconds * 1000;
  const points: ChartPoint[] = usage.series.map((p) => ({
    t: Date.parse(p.t),
    ok: Math.max(0, p.requests - p.errors),
    ...(p.rateLimited === undefined
      ? { errors: p.errors }
      : { errors: Math.max(0, p.errors - p.rateLimited), limited: p.rateLimited }),
  }));
  const empty = (t: number): ChartPoint =>
    points[0]?.limited === undefined ? { t, ok: 0, errors: 0 } : { t, ok: 0, errors: 0, limited: 0 };
  if (step <= 0 || points.some((p) => p.t % step !== 0)) return points;

  const byTime = new Map(points.map((p) => [p.t, p]));
  const first = Math.floor(Date.parse(usage.from) / step) * step;
  const last = Math.floor((Date.parse(usage.to) - 1) / step) * step;
  if ((last - first) / step > 2000) return points; // a surprising bucket size: don't blow up the chart
  const filled: ChartPoint[] = [];
  for (let t = first; t <= last; t += step) filled.push(byTime.get(t) ?? empty(t));
  return filled;
}
