import { MAX_USAGE_SERIES_POINTS, type ResolvedUsageWindow, type UsageResponse } from '@gateway/shared';
import type { SqlExecutor } from '../db/client.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import { estimateQuantiles, LATENCY_BUCKETS } from './latency-histogram.js';

/** A key's usage query, its window resolved and bounded by `UsageQuerySchema`. */
export interface UsageWindow extends ResolvedUsageWindow {
  keyId: string;
  limit: number;
  cursor?: string | undefined;
}

const MINUTE_MS = 60_000;
export const QUANTILES = [0.5, 0.95, 0.99] as const;

// Whole minutes come from usage_rollups_tiered (one row per key and minute, maintained by a trigger
// as logs are inserted; before the per-minute tier's start, one row per hour); only the partial
// minutes at the window's two edges are read from usage_logs.
// A week is then ~10,080 rollup rows instead of every request, and every count stays exact.
export const HISTOGRAM_SUMS = Array.from(
  { length: LATENCY_BUCKETS },
  (_, i) => `sum(latency_histogram[${i + 1}])`,
).join(', ');

const ROLLUP_TOTALS = `
SELECT sum(requests)::float8 AS requests, sum(status_2xx)::float8 AS s2, sum(status_3xx)::float8 AS s3,
       sum(status_4xx)::float8 AS s4, sum(status_5xx)::float8 AS s5, sum(rate_limited)::float8 AS rate_limited,
       sum(latency_sum_ms)::float8 AS latency_sum, min(latency_min_ms)::float8 AS latency_min,
       max(latency_max_ms)::float8 AS latency_max, ARRAY[${HISTOGRAM_SUMS}]::float8[] AS histogram
  FROM usage_rollups_tiered WHERE api_key_id = $1 AND minute >= $2 AND minute < $3`;

const EDGES = `(("timestamp" >= $2 AND "timestamp" < $3) OR ("timestamp" >= $4 AND "timestamp" < $5))`;

const EDGE_TOTALS = `
SELECT usage_latency_bucket(latency_ms) AS bucket, count(*)::float8 AS requests,
       count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::float8 AS s2,
       count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::float8 AS s3,
       count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::float8 AS s4,
       count(*) FILTER (WHERE status_code >= 500)::float8 AS s5,
       count(*) FILTER (WHERE status_code = 429)::float8 AS rate_limited,
       sum(latency_ms::float8) AS latency_sum, min(latency_ms)::float8 AS latency_min,
       max(latency_ms)::float8 AS latency_max
  FROM usage_logs WHERE api_key_id = $1 AND ${EDGES}
 GROUP BY 1`;

const SERIES = `
SELECT date_bin(make_interval(secs => $8), t, TIMESTAMPTZ 'epoch') AS t, sum(n)::float8 AS requests,
       sum(e)::float8 AS errors
  FROM (SELECT minute AS t, requests AS n, status_4xx + status_5xx AS e
          FROM usage_rollups_tiered WHERE api_key_id = $1 AND minute >= $6 AND minute < $7
        UNION ALL
        SELECT "timestamp", 1, (status_code >= 400)::int
          FROM usage_logs WHERE api_key_id = $1 AND ${EDGES}) AS rows
 GROUP BY 1 ORDER BY 1`;

interface TotalsRow {
  requests: number | null;
  s2: number | null;
  s3: number | null;
  s4: number | null;
  s5: number | null;
  rate_limited: number | null;
  latency_sum: number | null;
  latency_min: number | null;
  latency_max: number | null;
}

/**
 * The window split at minute boundaries: `[fullFrom, fullTo)` is read from the rollup, the edges
 * `[from, fullFrom)` and `[fullTo, to)` from the logs. A window within one minute is all edge.
 */
export function splitWindow(from: Date, to: Date) {
  let fullFrom = Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS;
  let fullTo = Math.floor(to.getTime() / MINUTE_MS) * MINUTE_MS;
  if (fullFrom >= fullTo) fullFrom = fullTo = to.getTime();
  return {
    full: [new Date(fullFrom), new Date(fullTo)] as const,
    edges: [from, new Date(fullFrom), new Date(fullTo), to] as const,
  };
}

// Up to this many requests in the window, percentiles are computed exactly from the logs (a few
// milliseconds through the (api_key_id, timestamp) index). The histogram estimate is close for large
// windows but can be far off for a handful of requests, where neighbouring samples lie far apart.
const EXACT_PERCENTILES_MAX_ROWS = 20_000;

async function exactPercentiles(sql: SqlExecutor, range: unknown[]): Promise<(number | null)[]> {
  const { rows } = await sql.query<{ pct: number[] | null }>(
    `SELECT percentile_cont(ARRAY[${QUANTILES.join(', ')}]) WITHIN GROUP (ORDER BY latency_ms) AS pct
       FROM usage_logs WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
    range,
  );
  return rows[0]?.pct ?? [null, null, null];
}

/** Totals, latency percentiles, a gap-free time series and one page of recent logs for a key. */
export async function getUsage(sql: SqlExecutor, w: UsageWindow): Promise<UsageResponse> {
  const { bucketSeconds } = w;
  const range = [w.keyId, w.from, w.to];
  const cursor = w.cursor ? decodeKeysetCursor(w.cursor) : null;
  const { full, edges } = splitWindow(w.from, w.to);
  const [rollup, edge, series, recent, tiers] = await Promise.all([
    sql.query<TotalsRow & { histogram: (number | null)[] }>(ROLLUP_TOTALS, [w.keyId, ...full]),
    sql.query<TotalsRow & { bucket: number }>(EDGE_TOTALS, [w.keyId, ...edges]),
    sql.query<{ t: Date; requests: number; errors: number }>(SERIES, [w.keyId, ...edges, ...full, bucketSeconds]),
    sql.query<{ id: string; method: string; path: string; status_code: number; latency_ms: number; timestamp: Date }>(
      `SELECT id, method, path, status_code, latency_ms, "timestamp"
         FROM usage_logs
        WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
          ${cursor ? 'AND ("timestamp", id) < ($5, $6)' : ''}
        ORDER BY "timestamp" DESC, id DESC
        LIMIT $4`,
      cursor ? [...range, w.limit + 1, cursor.at, cursor.id] : [...range, w.limit + 1],
    ),
    sql.query<{ covered: boolean }>('SELECT minute_from <= $1 AS covered FROM usage_tiers WHERE id = 1', [w.from]),
  ]);
  // Raw logs (and exact percentiles) exist only from the per-minute tier's start on.
  const rawCoversWindow = tiers.rows[0]?.covered !== false;
  const r = rollup.rows[0]!;
  const histogram = Array.from({ length: LATENCY_BUCKETS }, (_, i) => r.histogram[i] ?? 0);
  const t = { ...r, requests: r.requests ?? 0 };
  for (const e of edge.rows) {
    histogram[e.bucket]! += e.requests ?? 0;
    t.requests += e.requests ?? 0;
    t.s2 = (t.s2 ?? 0) + (e.s2 ?? 0);
    t.s3 = (t.s3 ?? 0) + (e.s3 ?? 0);
    t.s4 = (t.s4 ?? 0) + (e.s4 ?? 0);
    t.s5 = (t.s5 ?? 0) + (e.s5 ?? 0);
    t.rate_limited = (t.rate_limited ?? 0) + (e.rate_limited ?? 0);
    t.latency_sum = (t.latency_sum ?? 0) + (e.latency_sum ?? 0);
    t.latency_min = Math.min(t.latency_min ?? Number.POSITIVE_INFINITY, e.latency_min ?? Number.POSITIVE_INFINITY);
    t.latency_max = Math.max(t.latency_max ?? 0, e.latency_max ?? 0);
  }
  const pct =
    t.requests === 0
      ? [null, null, null]
      : t.requests <= EXACT_PERCENTILES_MAX_ROWS && rawCoversWindow
        ? await exactPercentiles(sql, range)
        : estimateQuantiles(histogram, QUANTILES, { min: t.latency_min ?? 0, max: t.latency_max ?? 0 });
  const page = recent.rows.slice(0, w.limit);
  const last = page.at(-1);
  return {
    keyId: w.keyId,
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    bucketSeconds,
    totals: {
      requests: t.requests,
      byStatusClass: { '2xx': t.s2 ?? 0, '3xx': t.s3 ?? 0, '4xx': t.s4 ?? 0, '5xx': t.s5 ?? 0 },
      rateLimited: t.rate_limited ?? 0,
    },
    latencyMs: {
      avg: t.requests > 0 ? round((t.latency_sum ?? 0) / t.requests) : null,
      p50: round(pct[0]),
      p95: round(pct[1]),
      p99: round(pct[2]),
    },
    series: fillSeries(series.rows, w.from, w.to, bucketSeconds),
    recent: page.map((row) => ({
      id: row.id,
      method: row.method,
      path: row.path,
      statusCode: row.status_code,
      latencyMs: round(row.latency_ms) ?? 0,
      timestamp: row.timestamp.toISOString(),
    })),
    nextCursor: recent.rows.length > w.limit && last ? encodeKeysetCursor(last.timestamp, last.id) : null,
  };
}

export function round(n: number | null | undefined): number | null {
  return n === null || n === undefined ? null : Math.round(n * 100) / 100;
}

/**
 * One point per bucket from `from` to `to`, zeros where no request fell. The query schemas bound
 * the point count; the cap here only makes sure no caller can ever have a window of empty buckets
 * materialised without bound.
 */
export function fillSeries(
  rows: { t: Date; requests: number; errors: number }[],
  from: Date,
  to: Date,
  bucketSeconds: number,
) {
  const byTime = new Map(rows.map((r) => [r.t.getTime(), r]));
  const step = bucketSeconds * 1000;
  const out: UsageResponse['series'] = [];
  // Buckets are aligned to multiples of their size since the epoch, so points stay put as the
  // window slides and charts of different windows line up.
  const first = Math.floor(from.getTime() / step) * step;
  const end = Math.min(to.getTime(), first + MAX_USAGE_SERIES_POINTS * step);
  for (let t = first; t < end; t += step) {
    const row = byTime.get(t);
    out.push({ t: new Date(t).toISOString(), requests: row?.requests ?? 0, errors: row?.errors ?? 0 });
  }
  return out;
}
