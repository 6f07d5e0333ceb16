import {
  MAX_USAGE_SERIES_POINTS,
  type ResolvedUsageAnalyticsQuery,
  type TopKey,
  type UsageAnalyticsResponse,
  type UsageGroup,
  type UsageGroupBy,
} from '@gateway/shared';
import type { SqlExecutor } from '../db/client.js';
import { filterConditions, GROUP_COLUMN, SqlParams, type UsageFilters, type UsageScope } from './analytics-filter.js';
import { QUANTILES, round } from './stats.js';

const TOP_KEYS = 10;

/** One query's window and filters over usage_logs: `WHERE …` and its parameters. */
export function rawWhere(scope: UsageScope, q: UsageFilters & { from: Date; to: Date }, p = new SqlParams()) {
  const conditions = [`"timestamp" >= ${p.add(q.from)}`, `"timestamp" < ${p.add(q.to)}`];
  conditions.push(...filterConditions(scope, q, p));
  return { where: `WHERE ${conditions.join(' AND ')}`, params: p };
}

// The sums every answer (totals, a group) is made of.
const SUMS = `
  count(*)::float8 AS requests,
  count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::float8 AS s2,
  count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::float8 AS s3,
  count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::float8 AS s4,
  count(*) FILTER (WHERE status_code >= 500)::float8 AS s5,
  count(*) FILTER (WHERE status_code = 429)::float8 AS rate_limited,
  coalesce(sum(request_bytes), 0)::float8 AS request_bytes,
  coalesce(sum(response_bytes), 0)::float8 AS response_bytes,
  sum(latency_ms::float8) AS latency_sum,
  percentile_cont(ARRAY[${QUANTILES.join(', ')}]) WITHIN GROUP (ORDER BY latency_ms) AS pct`;

interface SumsRow {
  requests: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
  rate_limited: number;
  request_bytes: number;
  response_bytes: number;
  latency_sum: number | null;
  pct: number[] | null;
}

interface GroupRow extends SumsRow {
  value: string;
  group_count: number;
}

const latencyOf = (r: SumsRow) => ({
  avg: r.requests > 0 ? round((r.latency_sum ?? 0) / r.requests) : null,
  p50: round(r.pct?.[0]),
  p95: round(r.pct?.[1]),
  p99: round(r.pct?.[2]),
});

const rate = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 10_000 : null);

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

/**
 * `GET /usage`: totals, latency, a gap-free series, the top `top` groups (plus `other`) and the
 * overview's top-key lists, over the rows the actor may see that match the filters. Every count is
 * exact; latency percentiles are exact (percentile_cont) too.
 */
export async function getUsageAnalytics(
  sql: SqlExecutor,
  scope: UsageScope,
  q: ResolvedUsageAnalyticsQuery,
): Promise<UsageAnalyticsResponse> {
  const { where, params } = rawWhere(scope, q);
  const v = params.values;
  const series = new SqlParams();
  series.values.push(...v);
  const bucket = series.add(q.bucketSeconds);
  const topKeys = (order: 'requests' | 'errors') => `
    SELECT k.id AS key_id, k.name, k.start, k.user_id, u.email, r.requests, r.errors, r.rate_limited
      FROM (SELECT api_key_id, count(*)::float8 AS requests, count(*) FILTER (WHERE status_code >= 400)::float8 AS errors,
                   count(*) FILTER (WHERE status_code = 429)::float8 AS rate_limited
              FROM usage_logs ${where} GROUP BY api_key_id) AS r
      JOIN api_keys k ON k.id = r.api_key_id
      JOIN users u ON u.id = k.user_id
     WHERE r.${order} > 0
     ORDER BY r.${order} DESC, k.id
     LIMIT ${TOP_KEYS}`;
  const [totals, points, byRequests, byErrors, groups] = await Promise.all([
    sql.query<SumsRow & { active_keys: number }>(
      `SELECT ${SUMS}, count(DISTINCT api_key_id)::float8 AS active_keys FROM usage_logs ${where}`,
      v,
    ),
    sql.query<{ t: Date; requests: number; errors: number; rate_limited: number }>(
      `SELECT date_bin(make_interval(secs => ${bucket}), "timestamp", TIMESTAMPTZ 'epoch') AS t,
              count(*)::float8 AS requests, count(*) FILTER (WHERE status_code >= 400)::float8 AS errors,
              count(*) FILTER (WHERE status_code = 429)::float8 AS rate_limited
         FROM usage_logs ${where} GROUP BY 1 ORDER BY 1`,
      series.values,
    ),
    sql.query<TopRow>(topKeys('requests'), v),
    sql.query<TopRow>(topKeys('errors'), v),
    q.groupBy ? topGroups(sql, q.groupBy, where, params, q.top) : Promise.resolve(null),
  ]);
  const t = totals.rows[0]!;
  const errors = t.s4 + t.s5;
  let other: UsageAnalyticsResponse['other'] = null;
  const top = groups ?? [];
  const groupCount = top[0]?.group_count ?? 0;
  if (groupCount > top.length) {
    const sum = (f: (g: GroupRow) => number) => top.reduce((n, g) => n + f(g), 0);
    other = {
      groups: groupCount - top.length,
      requests: t.requests - sum((g) => g.requests),
      errors: errors - sum((g) => g.s4 + g.s5),
      rateLimited: t.rate_limited - sum((g) => g.rate_limited),
      requestBytes: t.request_bytes - sum((g) => g.request_bytes),
      responseBytes: t.response_bytes - sum((g) => g.response_bytes),
    };
  }
  const labels = q.groupBy ? await groupLabels(sql, q.groupBy, top) : new Map<string, string>();
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    bucketSeconds: q.bucketSeconds,
    totals: {
      requests: t.requests,
      byStatusClass: { '2xx': t.s2, '3xx': t.s3, '4xx': t.s4, '5xx': t.s5 },
      rateLimited: t.rate_limited,
      requestBytes: t.request_bytes,
      responseBytes: t.response_bytes,
    },
    errorRate: rate(errors, t.requests),
    rateLimitedRate: rate(t.rate_limited, t.requests),
    latencyMs: latencyOf(t),
    series: fillAnalyticsSeries(points.rows, q.from, q.to, q.bucketSeconds),
    groupBy: q.groupBy ?? null,
    groups: top.map(
      (g): UsageGroup => ({
        value: g.value,
        label: labels.get(g.value) ?? null,
        requests: g.requests,
        errors: g.s4 + g.s5,
        rateLimited: g.rate_limited,
        latencyMs: latencyOf(g),
        requestBytes: g.request_bytes,
        responseBytes: g.response_bytes,
      }),
    ),
    other,
    activeKeys: t.active_keys,
    topKeysByRequests: byRequests.rows.map(toTopKey),
    topKeysByErrors: byErrors.rows.map(toTopKey),
  };
}

async function topGroups(sql: SqlExecutor, groupBy: UsageGroupBy, where: string, params: SqlParams, top: number) {
  const p = new SqlParams();
  p.values.push(...params.values);
  const limit = p.add(top);
  const { rows } = await sql.query<GroupRow>(
    `SELECT *, count(*) OVER ()::float8 AS group_count
       FROM (SELECT ${GROUP_COLUMN[groupBy]} AS value, ${SUMS} FROM usage_logs ${where} GROUP BY 1) AS g
      ORDER BY requests DESC, value COLLATE "C"
      LIMIT ${limit}`,
    p.values,
  );
  return rows;
}

/** What a person reads for a key (its name and start) or a user (the email); none for the rest. */
export async function groupLabels(
  sql: SqlExecutor,
  groupBy: UsageGroupBy,
  groups: readonly { value: string }[],
): Promise<Map<string, string>> {
  const ids = groups.map((g) => g.value);
  if (ids.length === 0 || (groupBy !== 'key' && groupBy !== 'user')) return new Map();
  if (groupBy === 'key') {
    const { rows } = await sql.query<{ id: string; name: string; start: string }>(
      'SELECT id::text AS id, name, start FROM api_keys WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name ? `${r.name} (${r.start}…)` : `${r.start}…`]));
  }
  const { rows } = await sql.query<{ id: string; email: string }>(
    'SELECT id::text AS id, email FROM users WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.email]));
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

/** One point per bucket (aligned to multiples of its size since the epoch), zeros where nothing fell. */
export function fillAnalyticsSeries(
  rows: { t: Date; requests: number; errors: number; rate_limited: number }[],
  from: Date,
  to: Date,
  bucketSeconds: number,
): UsageAnalyticsResponse['series'] {
  const byTime = new Map(rows.map((r) => [r.t.getTime(), r]));
  const step = bucketSeconds * 1000;
  const out: UsageAnalyticsResponse['series'] = [];
  const first = Math.floor(from.getTime() / step) * step;
  const end = Math.min(to.getTime(), first + MAX_USAGE_SERIES_POINTS * step);
  for (let t = first; t < end; t += step) {
    const row = byTime.get(t);
    out.push({
      t: new Date(t).toISOString(),
      requests: row?.requests ?? 0,
      errors: row?.errors ?? 0,
      rateLimited: row?.rate_limited ?? 0,
    });
  }
  return out;
}
