import type { UsageResponse } from '@gateway/shared';
import type { SqlExecutor } from '../db/client.js';
import { ApiError } from '../errors.js';

const DAY_MS = 86_400_000;
// Bucket sizes for the time series, smallest first; the first giving ≤ MAX_POINTS points wins.
const BUCKETS_S = [60, 300, 900, 3_600, 21_600, 86_400, 604_800];
const MAX_POINTS = 200;

export interface UsageWindow {
  keyId: string;
  from: Date;
  to: Date;
  limit: number;
  cursor?: string | undefined;
}

/** Default window: the last 24 h. */
export function resolveWindow(q: { from?: string | undefined; to?: string | undefined }, now = Date.now()) {
  const to = q.to ? new Date(q.to) : new Date(now);
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  return { from, to };
}

export function bucketSecondsFor(from: Date, to: Date): number {
  const span = (to.getTime() - from.getTime()) / 1000;
  return BUCKETS_S.find((b) => span / b <= MAX_POINTS) ?? BUCKETS_S.at(-1)!;
}

// Keyset pagination over (timestamp DESC, id DESC): stable while new rows arrive.
function encodeCursor(timestamp: Date, id: string): string {
  return Buffer.from(`${timestamp.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { timestamp: Date; id: string } {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const timestamp = new Date(ts ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(timestamp.getTime())) {
    throw new ApiError('VALIDATION_FAILED', 'Invalid query string: cursor is not a valid cursor', {
      errors: [{ path: 'cursor', message: 'is not a valid cursor' }],
    });
  }
  return { timestamp, id };
}

interface TotalsRow {
  requests: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
  rate_limited: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Totals, latency percentiles, a gap-free time series and one page of recent logs for a key. */
export async function getUsage(sql: SqlExecutor, w: UsageWindow): Promise<UsageResponse> {
  const bucketSeconds = bucketSecondsFor(w.from, w.to);
  const range = [w.keyId, w.from, w.to];
  const cursor = w.cursor ? decodeCursor(w.cursor) : null;
  const [totals, series, recent] = await Promise.all([
    sql.query<TotalsRow>(
      `SELECT count(*)::int AS requests,
              count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::int AS s2,
              count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::int AS s3,
              count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::int AS s4,
              count(*) FILTER (WHERE status_code >= 500)::int AS s5,
              count(*) FILTER (WHERE status_code = 429)::int AS rate_limited,
              avg(latency_ms)::float8 AS avg,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS pct
         FROM usage_logs WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
      range,
    ),
    sql.query<{ t: Date; requests: number; errors: number }>(
      `SELECT date_bin(make_interval(secs => $4), "timestamp", TIMESTAMPTZ 'epoch') AS t,
              count(*)::int AS requests,
              count(*) FILTER (WHERE status_code >= 400)::int AS errors
         FROM usage_logs WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
        GROUP BY 1 ORDER BY 1`,
      [...range, bucketSeconds],
    ),
    sql.query<{ id: string; method: string; path: string; status_code: number; latency_ms: number; timestamp: Date }>(
      `SELECT id, method, path, status_code, latency_ms, "timestamp"
         FROM usage_logs
        WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
          ${cursor ? 'AND ("timestamp", id) < ($5, $6)' : ''}
        ORDER BY "timestamp" DESC, id DESC
        LIMIT $4`,
      cursor ? [...range, w.limit + 1, cursor.timestamp, cursor.id] : [...range, w.limit + 1],
    ),
  ]);
  const t = totals.rows[0] as TotalsRow & { pct: number[] | null };
  const pct = t.pct ?? [null, null, null];
  const page = recent.rows.slice(0, w.limit);
  const last = page.at(-1);
  return {
    keyId: w.keyId,
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    bucketSeconds,
    totals: {
      requests: t.requests,
      byStatusClass: { '2xx': t.s2, '3xx': t.s3, '4xx': t.s4, '5xx': t.s5 },
      rateLimited: t.rate_limited,
    },
    latencyMs: { avg: round(t.avg), p50: round(pct[0]), p95: round(pct[1]), p99: round(pct[2]) },
    series: fillSeries(series.rows, w.from, w.to, bucketSeconds),
    recent: page.map((r) => ({
      id: r.id,
      method: r.method,
      path: r.path,
      statusCode: r.status_code,
      latencyMs: round(r.latency_ms) ?? 0,
      timestamp: r.timestamp.toISOString(),
    })),
    nextCursor: recent.rows.length > w.limit && last ? encodeCursor(last.timestamp, last.id) : null,
  };
}

function round(n: number | null | undefined): number | null {
  return n === null || n === undefined ? null : Math.round(n * 100) / 100;
}

/** One point per bucket from `from` to `to`, zeros where no request fell. */
function fillSeries(
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
  for (let t = Math.floor(from.getTime() / step) * step; t < to.getTime(); t += step) {
    const row = byTime.get(t);
    out.push({ t: new Date(t).toISOString(), requests: row?.requests ?? 0, errors: row?.errors ?? 0 });
  }
  return out;
}
