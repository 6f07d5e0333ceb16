import type { OverviewResponse, ResolvedUsageWindow, TopKey } from '@gateway/shared';
import type { SqlExecutor } from '../db/client.js';
import { estimateQuantiles, LATENCY_BUCKETS } from './latency-histogram.js';
import { fillSeries, HISTOGRAM_SUMS, QUANTILES, round } from './stats.js';

const MINUTE_MS = 60_000;
const TOP_KEYS = 10;

// The overview reads the per-minute rollup only (indexed by minute): across every key, scanning
// usage_logs by time would need an index the hot insert path would pay for. Counts are exact for
// the whole minutes the window touches; percentiles come from the latency histogram (≤ 14.3 %).
const TOTALS = `
SELECT sum(requests)::float8 AS requests, sum(status_2xx)::float8 AS s2, sum(status_3xx)::float8 AS s3,
       sum(status_4xx)::float8 AS s4, sum(status_5xx)::float8 AS s5, sum(rate_limited)::float8 AS rate_limited,
       sum(latency_sum_ms)::float8 AS latency_sum, min(latency_min_ms)::float8 AS latency_min,
       max(latency_max_ms)::float8 AS latency_max, count(DISTINCT api_key_id)::float8 AS active_keys,
       ARRAY[${HISTOGRAM_SUMS}]::float8[] AS histogram
  FROM usage_rollups_tiered WHERE minute >= $1 AND minute < $2`;

const SERIES = `
SELECT date_bin(make_interval(secs => $3), minute, TIMESTAMPTZ 'epoch') AS t, sum(requests)::float8 AS requests,
       sum(status_4xx + status_5xx)::float8 AS errors
  FROM usage_rollups_tiered WHERE minute >= $1 AND minute < $2
 GROUP BY 1 ORDER BY 1`;

const topKeys = (order: string) => `
SELECT k.id AS key_id, k.name, k.start, k.user_id, u.email, r.requests, r.errors, r.rate_limited
  FROM (SELECT api_key_id, sum(requests)::float8 AS requests, sum(status_4xx + status_5xx)::float8 AS errors,
               sum(rate_limited)::float8 AS rate_limited
          FROM usage_rollups_tiered WHERE minute >= $1 AND minute < $2
         GROUP BY api_key_id) AS r
  JOIN api_keys k ON k.id = r.api_key_id
  JOIN users u ON u.id = k.user_id
 WHERE r.${order} > 0
 ORDER BY r.${order} DESC, k.id
 LIMIT ${TOP_KEYS}`;

interface TopRow {
  key_id: string;
  name: string;
  start: string;
  user_id: string;
  email: string;
  requests: number;
  errors: number;
  rate_limited: number;
}

const toTopKey = (r: TopRow): TopKey => ({
  keyId: r.key_id,
  name: r.name,
  start: r.start,
  userId: r.user_id,
  email: r.email,
  requests: r.requests,
  errors: r.errors,
  rateLimited: r.rate_limited,
});

/** Traffic across every key in [from, to), widened to whole minutes (admins' overview). */
export async function getOverview(sql: SqlExecutor, window: ResolvedUsageWindow): Promise<OverviewResponse> {
  const from = new Date(Math.floor(window.from.getTime() / MINUTE_MS) * MINUTE_MS);
  const to = new Date(Math.ceil(window.to.getTime() / MINUTE_MS) * MINUTE_MS);
  const { bucketSeconds } = window;
  const [totals, series, byRequests, byErrors] = await Promise.all([
    sql.query<{
      requests: number | null;
      s2: number | null;
      s3: number | null;
      s4: number | null;
      s5: number | null;
      rate_limited: number | null;
      latency_sum: number | null;
      latency_min: number | null;
      latency_max: number | null;
      active_keys: number;
      histogram: (number | null)[];
    }>(TOTALS, [from, to]),
    sql.query<{ t: Date; requests: number; errors: number }>(SERIES, [from, to, bucketSeconds]),
    sql.query<TopRow>(topKeys('requests'), [from, to]),
    sql.query<TopRow>(topKeys('errors'), [from, to]),
  ]);
  const t = totals.rows[0]!;
  const requests = t.requests ?? 0;
  const histogram = Array.from({ length: LATENCY_BUCKETS }, (_, i) => t.histogram[i] ?? 0);
  const pct =
    requests === 0
      ? [null, null, null]
      : estimateQuantiles(histogram, QUANTILES, { min: t.latency_min ?? 0, max: t.latency_max ?? 0 });
  const errors = (t.s4 ?? 0) + (t.s5 ?? 0);
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    bucketSeconds,
    totals: {
      requests,
      byStatusClass: { '2xx': t.s2 ?? 0, '3xx': t.s3 ?? 0, '4xx': t.s4 ?? 0, '5xx': t.s5 ?? 0 },
      rateLimited: t.rate_limited ?? 0,
    },
    latencyMs: {
      avg: requests > 0 ? round((t.latency_sum ?? 0) / requests) : null,
      p50: round(pct[0]),
      p95: round(pct[1]),
      p99: round(pct[2]),
    },
    series: fillSeries(series.rows, window.from, window.to, bucketSeconds),
    errorRate: requests > 0 ? round(errors / requests) : null,
    activeKeys: t.active_keys,
    topKeysByRequests: byRequests.rows.map(toTopKey),
    topKeysByErrors: byErrors.rows.map(toTopKey),
  };
}
