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
import { estimateQuantiles, LATENCY_BUCKETS } from './latency-histogram.js';
import { QUANTILES, round } from './stats.js';

const TOP_KEYS = 10;

/** One query's window and filters over usage_logs: `WHERE …` and its parameters. */
export function rawWhere(scope: UsageScope, q: UsageFilters & { from: Date; to: Date }, p = new SqlParams()) {
  const conditions = [`"timestamp" >= ${p.add(q.from)}`, `"timestamp" < ${p.add(q.to)}`];
  conditions.push(...filterConditions(scope, q, p));
  return { where: `WHERE ${conditions.join(' AND ')}`, params: p };
}

const HOUR_MS = 3_600_000;

/**
 * What an analytics answer is aggregated from, as rows of one shape: `t`, the dimensions, `n`
 * requests, `lsum`/`lmin`/`lmax` latency, `rb`/`sb` bytes, and either `h` (a latency histogram) or
 * `b` (one latency's bucket).
 * - `raw`: every request of the window (`n` = 1): exact percentiles. Used when the question needs
 *   paths (groupBy=path, pathPrefix) or the window holds no whole hour.
 * - `rollup`: usage_rollups_dims for the whole UTC hours of the window (one row per hour, key,
 *   route, method and status) and the raw requests of the partial hours at its two ends — every
 *   count stays exact, percentiles come from the histograms (≤ 14.3 %, one bucket).
 */
interface Source {
  kind: 'raw' | 'rollup';
  sql: string;
  params: SqlParams;
}

function sourceOf(
  scope: UsageScope,
  q: UsageFilters & { from: Date; to: Date; groupBy?: UsageGroupBy | undefined },
  rawOnly = false,
): Source {
  const p = new SqlParams();
  const fullFrom = Math.ceil(q.from.getTime() / HOUR_MS) * HOUR_MS;
  const fullTo = Math.floor(q.to.getTime() / HOUR_MS) * HOUR_MS;
  const rawColumns = `"timestamp" AS t, api_key_id, user_id, route, method, path, status_code, 1 AS n,
    latency_ms::float8 AS lsum, latency_ms AS lmin, latency_ms AS lmax, request_bytes AS rb, response_bytes AS sb`;
  if (rawOnly || q.pathPrefix !== undefined || q.groupBy === 'path' || fullFrom >= fullTo) {
    const { where } = rawWhere(scope, q, p);
    return {
      kind: 'raw',
      sql: `SELECT ${rawColumns}, NULL::int[] AS h, NULL::int AS b FROM usage_logs ${where}`,
      params: p,
    };
  }
  const from = p.add(q.from);
  const to = p.add(q.to);
  const hoursFrom = p.add(new Date(fullFrom));
  const hoursTo = p.add(new Date(fullTo));
  const filters = filterConditions(scope, q, p)
    .map((c) => ` AND ${c}`)
    .join('');
  return {
    kind: 'rollup',
    sql: `SELECT "hour" AS t, api_key_id, user_id, route, method, NULL::text AS path, status_code, requests AS n,
                 latency_sum_ms AS lsum, latency_min_ms AS lmin, latency_max_ms AS lmax, request_bytes AS rb,
                 response_bytes AS sb, latency_histogram AS h, NULL::int AS b
            FROM usage_rollups_dims WHERE "hour" >= ${hoursFrom} AND "hour" < ${hoursTo}${filters}
          UNION ALL
          SELECT ${rawColumns}, NULL::int[], usage_latency_bucket(latency_ms)
            FROM usage_logs
           WHERE (("timestamp" >= ${from} AND "timestamp" < ${hoursFrom}) OR ("timestamp" >= ${hoursTo} AND "timestamp" < ${to}))${filters}`,
    params: p,
  };
}

// The sums every answer (totals, a group) is made of.
const SUMS = `
  coalesce(sum(n), 0)::float8 AS requests,
  coalesce(sum(n) FILTER (WHERE status_code BETWEEN 200 AND 299), 0)::float8 AS s2,
  coalesce(sum(n) FILTER (WHERE status_code BETWEEN 300 AND 399), 0)::float8 AS s3,
  coalesce(sum(n) FILTER (WHERE status_code BETWEEN 400 AND 499), 0)::float8 AS s4,
  coalesce(sum(n) FILTER (WHERE status_code >= 500), 0)::float8 AS s5,
  coalesce(sum(n) FILTER (WHERE status_code = 429), 0)::float8 AS rate_limited,
  coalesce(sum(rb), 0)::float8 AS request_bytes,
  coalesce(sum(sb), 0)::float8 AS response_bytes,
  sum(lsum)::float8 AS latency_sum`;

/** Latency percentiles over a source: exact over raw rows, from the histograms over the rollup. */
const latencyColumns = (kind: Source['kind']) =>
  kind === 'raw'
    ? `percentile_cont(ARRAY[${QUANTILES.join(', ')}]) WITHIN GROUP (ORDER BY lsum) AS pct`
    : `min(lmin)::float8 AS lmin, max(lmax)::float8 AS lmax, ARRAY[${Array.from(
        { length: LATENCY_BUCKETS },
        (_, i) => `sum(coalesce(h[${i + 1}], (b = ${i})::int))`,
      ).join(', ')}]::float8[] AS histogram`;

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
}

interface LatencyRow {
  pct?: number[] | null;
  lmin?: number | null;
  lmax?: number | null;
  histogram?: number[];
}

interface GroupRow extends SumsRow {
  value: string;
  group_count: number;
}

function latencyOf(r: SumsRow, l: LatencyRow | undefined) {
  let pct: (number | null)[] = [null, null, null];
  if (r.requests > 0 && l) {
    pct = l.histogram
      ? estimateQuantiles(l.histogram, QUANTILES, { min: l.lmin ?? 0, max: l.lmax ?? 0 })
      : (l.pct ?? pct);
  }
  return {
    avg: r.requests > 0 ? round((r.latency_sum ?? 0) / r.requests) : null,
    p50: round(pct[0]),
    p95: round(pct[1]),
    p99: round(pct[2]),
  };
}

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
 * exact (see `Source` for where they are read and how exact the percentiles are).
 */
export async function getUsageAnalytics(
  sql: SqlExecutor,
  scope: UsageScope,
  q: ResolvedUsageAnalyticsQuery,
): Promise<UsageAnalyticsResponse> {
  const src = sourceOf(scope, q);
  const v = src.params.values;
  const from = `FROM (${src.sql}) AS src`;
  // Series buckets shorter than an hour cannot be cut from hourly rows: those read the raw rows.
  const seriesSrc = src.kind === 'rollup' && q.bucketSeconds < 3_600 ? sourceOf(scope, q, true) : src;
  const seriesParams = new SqlParams();
  seriesParams.values.push(...seriesSrc.params.values);
  const bucket = seriesParams.add(q.bucketSeconds);
  const topKeys = (order: 'requests' | 'errors') => `
    SELECT k.id AS key_id, k.name, k.start, k.user_id, u.email, r.requests, r.errors, r.rate_limited
      FROM (SELECT api_key_id, sum(n)::float8 AS requests, coalesce(sum(n) FILTER (WHERE status_code >= 400), 0)::float8 AS errors,
                   coalesce(sum(n) FILTER (WHERE status_code = 429), 0)::float8 AS rate_limited
              ${from} GROUP BY api_key_id) AS r
      JOIN api_keys k ON k.id = r.api_key_id
      JOIN users u ON u.id = k.user_id
     WHERE r.${order} > 0
     ORDER BY r.${order} DESC, k.id
     LIMIT ${TOP_KEYS}`;
  const [totals, points, byRequests, byErrors, groups] = await Promise.all([
    sql.query<SumsRow & LatencyRow & { active_keys: number }>(
      `SELECT ${SUMS}, ${latencyColumns(src.kind)}, count(DISTINCT api_key_id)::float8 AS active_keys ${from}`,
      v,
    ),
    sql.query<{ t: Date; requests: number; errors: number; rate_limited: number }>(
      `SELECT date_bin(make_interval(secs => ${bucket}), t, TIMESTAMPTZ 'epoch') AS t,
              sum(n)::float8 AS requests, coalesce(sum(n) FILTER (WHERE status_code >= 400), 0)::float8 AS errors,
              coalesce(sum(n) FILTER (WHERE status_code = 429), 0)::float8 AS rate_limited
         FROM (${seriesSrc.sql}) AS src GROUP BY 1 ORDER BY 1`,
      seriesParams.values,
    ),
    sql.query<TopRow>(topKeys('requests'), v),
    sql.query<TopRow>(topKeys('errors'), v),
    q.groupBy ? topGroups(sql, src, q.groupBy, q.top) : Promise.resolve(null),
  ]);
  const t = totals.rows[0]!;
  const errors = t.s4 + t.s5;
  let other: UsageAnalyticsResponse['other'] = null;
  const top = groups?.rows ?? [];
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
    latencyMs: latencyOf(t, t),
    series: fillAnalyticsSeries(points.rows, q.from, q.to, q.bucketSeconds),
    groupBy: q.groupBy ?? null,
    groups: top.map(
      (g): UsageGroup => ({
        value: g.value,
        label: labels.get(g.value) ?? null,
        requests: g.requests,
        errors: g.s4 + g.s5,
        rateLimited: g.rate_limited,
        latencyMs: latencyOf(g, groups?.latency.get(g.value)),
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

/** The top groups by requests (with the number of groups), then the latency of just those. */
async function topGroups(sql: SqlExecutor, src: Source, groupBy: UsageGroupBy, top: number) {
  const p = new SqlParams();
  p.values.push(...src.params.values);
  const limit = p.add(top);
  const column = GROUP_COLUMN[groupBy];
  const { rows } = await sql.query<GroupRow>(
    `SELECT *, count(*) OVER ()::float8 AS group_count
       FROM (SELECT ${column} AS value, ${SUMS} FROM (${src.sql}) AS src GROUP BY 1) AS g
      ORDER BY requests DESC, value COLLATE "C"
      LIMIT ${limit}`,
    p.values,
  );
  const latency = new Map<string, LatencyRow>();
  if (rows.length > 0) {
    const lp = new SqlParams();
    lp.values.push(...src.params.values);
    const values = lp.add(rows.map((r) => r.value));
    const { rows: l } = await sql.query<LatencyRow & { value: string }>(
      `SELECT ${column} AS value, ${latencyColumns(src.kind)} FROM (${src.sql}) AS src
        WHERE ${column} = ANY(${values}::text[]) GROUP BY 1`,
      lp.values,
    );
    for (const r of l) latency.set(r.value, r);
  }
  return { rows, latency };
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
