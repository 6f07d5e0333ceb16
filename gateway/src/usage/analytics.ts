import {
  MAX_USAGE_SERIES_POINTS,
  type ResolvedUsageAnalyticsQuery,
  type TopKey,
  type UsageAnalyticsResponse,
  type UsageGroup,
  type UsageGroupBy,
} from '@gateway/shared';
import type { SqlExecutor } from '../db/client.js';
import { ApiError } from '../errors.js';
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
  maxRawScanRows: number = MAX_USAGE_RAW_SCAN_ROWS,
): Promise<UsageAnalyticsResponse> {
  const src = sourceOf(scope, q);
  if (src.kind === 'rollup') return getSummaryAnalytics(sql, scope, q, maxRawScanRows);
  await boundRawScan(sql, scope, q, maxRawScanRows);
  const v = src.params.values;
  const from = `FROM (${src.sql}) AS src`;
  // Series buckets shorter than an hour cannot be cut from hourly rows: those read the raw rows.
  const seriesSrc = src;
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
  return answerOf(sql, q, {
    totals: t,
    latency: t,
    points: points.rows,
    groups,
    activeKeys: t.active_keys,
    byRequests: byRequests.rows,
    byErrors: byErrors.rows,
  });
}

/** What both ways of reading usage (raw rows, the summary tiers) hand over to make one answer. */
interface AnswerParts {
  totals: SumsRow;
  latency: LatencyRow | undefined;
  points: { t: Date; requests: number; errors: number; rate_limited: number }[];
  groups: { rows: GroupRow[]; latency: Map<string, LatencyRow> } | null;
  activeKeys: number;
  byRequests: TopRow[];
  byErrors: TopRow[];
}

/** The `GET /usage` answer: `other` is what the top groups leave of the totals; key and user groups get labels. */
async function answerOf(
  sql: SqlExecutor,
  q: ResolvedUsageAnalyticsQuery,
  a: AnswerParts,
): Promise<UsageAnalyticsResponse> {
  const t = a.totals;
  const errors = t.s4 + t.s5;
  const top = a.groups?.rows ?? [];
  let other: UsageAnalyticsResponse['other'] = null;
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
    latencyMs: latencyOf(t, a.latency),
    series: fillAnalyticsSeries(a.points, q.from, q.to, q.bucketSeconds),
    groupBy: q.groupBy ?? null,
    groups: top.map(
      (g): UsageGroup => ({
        value: g.value,
        label: labels.get(g.value) ?? null,
        requests: g.requests,
        errors: g.s4 + g.s5,
        rateLimited: g.rate_limited,
        latencyMs: latencyOf(g, a.groups?.latency.get(g.value)),
        requestBytes: g.request_bytes,
        responseBytes: g.response_bytes,
      }),
    ),
    other,
    activeKeys: a.activeKeys,
    topKeysByRequests: a.byRequests.map(toTopKey),
    topKeysByErrors: a.byErrors.map(toTopKey),
  };
}

/**
 * Most requests one `GET /usage` may read row by row by default (`USAGE_MAX_RAW_SCAN_ROWS`): `groupBy=path`, `pathPrefix` and series
 * buckets under an hour have no rollup (paths are unbounded) and scan every request of the window;
 * 1 M rows take a few seconds here (bench/RESULTS.md, "Usage analytics over a month").
 */
export const MAX_USAGE_RAW_SCAN_ROWS = 1_000_000;

/**
 * Refuses (400) a question that would read more than `maxRawScanRows` raw rows, counted from
 * the per-key hourly tier (the window's whole hours around it, the key and owner filters applied: an
 * upper bound of the rows the scan reads, one row per key and hour to sum).
 */
async function boundRawScan(
  sql: SqlExecutor,
  scope: UsageScope,
  q: ResolvedUsageAnalyticsQuery,
  maxRawScanRows: number,
) {
  const p = new SqlParams();
  const from = p.add(new Date(Math.floor(q.from.getTime() / HOUR_MS) * HOUR_MS));
  const to = p.add(q.to);
  const owner = scope.ownerId ?? q.userId;
  const conditions = [
    ...(q.keyId !== undefined ? [`h.api_key_id = ${p.add(q.keyId)}::uuid`] : []),
    ...(owner !== undefined ? [`k.user_id = ${p.add(owner)}::uuid`] : []),
    ...(scope.ownerId !== undefined && q.userId !== undefined ? [`k.user_id = ${p.add(q.userId)}::uuid`] : []),
  ];
  const { rows } = await sql.query<{ n: number }>(
    `SELECT coalesce(sum(h.requests), 0)::float8 AS n
       FROM usage_rollups_hourly h JOIN api_keys k ON k.id = h.api_key_id
      WHERE h."hour" >= ${from} AND h."hour" < ${to}${conditions.map((c) => ` AND ${c}`).join('')}`,
    p.values,
  );
  const n = rows[0]?.n ?? 0;
  if (n > maxRawScanRows) {
    const why =
      q.groupBy === 'path' || q.pathPrefix !== undefined
        ? 'groupBy=path and pathPrefix read every request of the window'
        : 'series buckets under an hour read every request of the window';
    const message = `${why}: this window holds about ${n.toLocaleString('en')} requests, at most ${maxRawScanRows.toLocaleString('en')} may be read per question: choose a shorter window, a key or user filter${q.bucketSeconds < 3_600 ? ' or a bucket of an hour or more' : ''}`;
    throw new ApiError('VALIDATION_FAILED', `Invalid query string: ${message}`, {
      errors: [{ path: 'from', message }],
    });
  }
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

// ---------------------------------------------------------------------------------------------
// Over whole hours: the summary tiers (migration 20261129190000_usage_summary).

/** Which dimensions a grain of usage_rollups_summary keeps (status always): see the migration. */
type Grain = 0 | 1 | 6 | 7;

/** The smallest grain holding the dimensions `needs` names. `user` travels with `key`. */
function grainFor(needs: { key: boolean; routeMethod: boolean }): Grain {
  if (needs.key) return needs.routeMethod ? 7 : 1;
  return needs.routeMethod ? 6 : 0;
}

const needsOf = (scope: UsageScope, q: UsageFilters, groupBy?: UsageGroupBy) => ({
  key:
    scope.ownerId !== undefined ||
    q.keyId !== undefined ||
    q.userId !== undefined ||
    groupBy === 'key' ||
    groupBy === 'user',
  routeMethod: q.route !== undefined || q.method !== undefined || groupBy === 'route' || groupBy === 'method',
});

interface Parts {
  /** Rows of the rollups (`n` requests, `h` a histogram), or null when no whole hour is asked for. */
  rollup: string | null;
  /** Rows of usage_logs for the partial hours at the window's ends (`n` = 1, `b` a bucket), or null. */
  raw: string | null;
  params: SqlParams;
}

/**
 * The window [from, to) as rows of one shape, from the cheapest place that holds them exactly:
 * - whole UTC days before usage_tiers.summary_to (`summaryTo`): the daily summary at `grain`
 *   (unless `hourly`, for series buckets shorter than a day);
 * - the other whole hours before summaryTo: the hourly summary at `grain` (grain 7: usage_rollups_dims);
 * - whole hours from summaryTo on: usage_rollups_dims;
 * - the partial hours at the two ends: usage_logs (read whole from the rollups when `whole` says
 *   no request of that hour lies outside the window).
 * `perKey` (latency histograms per key or overall, no bytes or status) reads the trigger's per-key
 * tiers instead of the summary. Each row is counted once, so every count is exact; percentiles come
 * from the histograms.
 */
function partsOf(
  scope: UsageScope,
  q: UsageFilters & { from: Date; to: Date },
  grain: Grain | 'perKey',
  summaryTo: number,
  hourly: boolean,
  whole: WholeEnds,
  p = new SqlParams(),
): Parts {
  const fromMs = q.from.getTime();
  const toMs = q.to.getTime();
  const fullFrom = (whole.first ? Math.floor : Math.ceil)(fromMs / HOUR_MS) * HOUR_MS;
  const fullTo = Math.max(fullFrom, (whole.last ? Math.ceil : Math.floor)(toMs / HOUR_MS) * HOUR_MS);
  const filters = filterConditions(scope, q, p)
    .map((c) => ` AND ${c}`)
    .join('');
  const rollupColumns = (
    t: string,
  ) => `${t} AS t, api_key_id, user_id, route, method, status_code, requests::float8 AS n,
    latency_sum_ms AS lsum, latency_min_ms AS lmin, latency_max_ms AS lmax, request_bytes AS rb, response_bytes AS sb,
    latency_histogram AS h`;
  const cube = (a: number, b: number) =>
    `SELECT ${rollupColumns('"hour"')} FROM usage_rollups_dims
      WHERE "hour" >= ${p.add(new Date(a))} AND "hour" < ${p.add(new Date(b))}${filters}`;
  const summary = (daily: boolean, a: number, b: number) =>
    `SELECT ${rollupColumns('t')} FROM usage_rollups_summary
      WHERE ${daily ? '' : 'NOT '}daily AND grain = ${grain} AND t >= ${p.add(new Date(a))} AND t < ${p.add(new Date(b))}${filters}`;
  const hours = (a: number, b: number) => (a >= b ? [] : grain === 7 ? [cube(a, b)] : [summary(false, a, b)]);
  const rollup: string[] = [];
  // Latency only (no bytes, no route, method or status): the per-key tiers the insert trigger keeps,
  // usage_rollups_daily for whole days and usage_rollups_hourly for the hours around them.
  const perKey = (table: string, column: string, a: number, b: number) =>
    a >= b
      ? []
      : [
          `SELECT t, api_key_id, user_id, NULL::text AS route, NULL::text AS method, NULL::smallint AS status_code, n,
                  lsum, lmin, lmax, NULL::bigint AS rb, NULL::bigint AS sb, h
             FROM (SELECT r."${column}" AS t, r.api_key_id, k.user_id, r.requests::float8 AS n, r.latency_sum_ms AS lsum,
                          r.latency_min_ms AS lmin, r.latency_max_ms AS lmax, r.latency_histogram AS h
                     FROM ${table} r JOIN api_keys k ON k.id = r.api_key_id
                    WHERE r."${column}" >= ${p.add(new Date(a))} AND r."${column}" < ${p.add(new Date(b))}) AS x
            WHERE true${filters}`,
        ];
  const dayFrom = Math.ceil(fullFrom / DAY_MS) * DAY_MS;
  if (grain === 'perKey') {
    // Kept by the trigger itself: exact for every hour, no summary_to to respect.
    const dayTo = Math.floor(fullTo / DAY_MS) * DAY_MS;
    if (dayFrom < dayTo) {
      rollup.push(
        ...perKey('usage_rollups_hourly', 'hour', fullFrom, dayFrom),
        ...perKey('usage_rollups_daily', 'day', dayFrom, dayTo),
        ...perKey('usage_rollups_hourly', 'hour', dayTo, fullTo),
      );
    } else rollup.push(...perKey('usage_rollups_hourly', 'hour', fullFrom, fullTo));
  } else {
    const summarized = Math.min(fullTo, Math.max(fullFrom, summaryTo));
    const dayTo = Math.floor(summarized / DAY_MS) * DAY_MS;
    if (!hourly && dayFrom < dayTo) {
      rollup.push(...hours(fullFrom, dayFrom), summary(true, dayFrom, dayTo), ...hours(dayTo, summarized));
    } else rollup.push(...hours(fullFrom, summarized));
    if (summarized < fullTo) rollup.push(cube(summarized, fullTo));
  }
  // Only called with at least one whole hour in the window (sourceOf), so the two ends are apart.
  const rawRanges: string[] = [];
  if (fromMs < fullFrom)
    rawRanges.push(`("timestamp" >= ${p.add(q.from)} AND "timestamp" < ${p.add(new Date(fullFrom))})`);
  if (fullTo < toMs) rawRanges.push(`("timestamp" >= ${p.add(new Date(fullTo))} AND "timestamp" < ${p.add(q.to)})`);
  return {
    rollup: rollup.length > 0 ? rollup.join('\n UNION ALL\n') : null,
    raw:
      rawRanges.length > 0
        ? `SELECT "timestamp" AS t, api_key_id, user_id, route, method, status_code, 1::float8 AS n,
                  latency_ms::float8 AS lsum, latency_ms AS lmin, latency_ms AS lmax, request_bytes AS rb,
                  response_bytes AS sb, usage_latency_bucket(latency_ms) AS b
             FROM usage_logs WHERE (${rawRanges.join(' OR ')})${filters}`
        : null,
    params: p,
  };
}

const DAY_MS = 86_400_000;
const HISTOGRAM_SUMS = `ARRAY[${Array.from({ length: LATENCY_BUCKETS }, (_, i) => `sum(h[${i + 1}])`).join(', ')}]::float8[]`;

/**
 * Whether the partial hour at either end of the window holds no request outside it, so that its
 * whole-hour rollup counts exactly the requests inside: at the end when nothing was recorded at or
 * after `to` in that hour (the usual `to` = now), at the start when nothing before `from`. Asked of
 * usage_logs' primary key (one index probe each), for every key and route alike.
 */
interface WholeEnds {
  first: boolean;
  last: boolean;
}

async function wholeEnds(sql: SqlExecutor, from: Date, to: Date): Promise<WholeEnds> {
  const firstHour = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
  const lastHour = Math.floor(to.getTime() / HOUR_MS) * HOUR_MS;
  const partialFirst = firstHour < from.getTime();
  const partialLast = lastHour < to.getTime();
  if (!partialFirst && !partialLast) return { first: false, last: false };
  // Only where raw rows are still kept (from usage_tiers.minute_from on): before it, an empty range
  // means dropped, not unused.
  const { rows } = await sql.query<{ first_whole: boolean; last_whole: boolean }>(
    `SELECT $1 >= t.minute_from AND NOT EXISTS (SELECT 1 FROM usage_logs WHERE "timestamp" >= $1 AND "timestamp" < $2) AS first_whole,
            $3 >= t.minute_from AND NOT EXISTS (SELECT 1 FROM usage_logs WHERE "timestamp" >= $4 AND "timestamp" < $5) AS last_whole
       FROM usage_tiers t WHERE t.id = 1`,
    [new Date(firstHour), from, new Date(lastHour), to, new Date(lastHour + HOUR_MS)],
  );
  return {
    first: partialFirst && rows[0]?.first_whole === true && firstHour + HOUR_MS <= lastHour,
    last: partialLast && rows[0]?.last_whole === true && lastHour >= Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS,
  };
}

/** Rows of both parts as one source (the columns every scalar aggregate reads). */
function unionOf(parts: Parts): string {
  const cols = 't, api_key_id, user_id, route, method, status_code, n, lsum, lmin, lmax, rb, sb';
  const sides = [parts.rollup && `SELECT ${cols} FROM (${parts.rollup}) AS r`, parts.raw && `SELECT ${cols} FROM raw`];
  return (
    sides.filter(Boolean).join(' UNION ALL ') ||
    `SELECT ${cols} FROM (${parts.rollup ?? 'SELECT NULL'}) AS none WHERE false`
  );
}

/** `WITH raw AS MATERIALIZED (…)`: the partial hours read once per statement. */
const rawCte = (parts: Parts) => (parts.raw ? `WITH raw AS MATERIALIZED (${parts.raw}) ` : '');

/**
 * Latency histograms per `column` (or overall when null), `rows` of them: the rollup part's
 * histograms summed bucket by bucket, plus the raw part's rows counted per bucket.
 */
async function histograms(
  sql: SqlExecutor,
  parts: Parts,
  column: string | null,
  values: string[] | null,
): Promise<Map<string, LatencyRow>> {
  const p = new SqlParams();
  p.values.push(...parts.params.values);
  const only = values ? ` WHERE ${column} = ANY(${p.add(values)}::text[])` : '';
  const key = column ? `${column}` : `''`;
  const selects: string[] = [];
  if (parts.rollup)
    selects.push(`SELECT ${key} AS value, min(lmin)::float8 AS lmin, max(lmax)::float8 AS lmax, ${HISTOGRAM_SUMS} AS histogram,
                         NULL::int[] AS buckets, NULL::float8[] AS counts
                    FROM (${parts.rollup}) AS r${only} GROUP BY 1`);
  if (parts.raw)
    selects.push(`SELECT value, min(lmin)::float8, max(lmax)::float8, NULL::float8[], array_agg(b), array_agg(n)
                    FROM (SELECT ${key} AS value, b, min(lmin) AS lmin, max(lmax) AS lmax, count(*)::float8 AS n
                            FROM raw${only} GROUP BY 1, 2) AS x GROUP BY 1`);
  const out = new Map<string, LatencyRow>();
  if (selects.length === 0) return out;
  const { rows } = await sql.query<{
    value: string;
    lmin: number | null;
    lmax: number | null;
    histogram: number[] | null;
    buckets: number[] | null;
    counts: number[] | null;
  }>(`${rawCte(parts)}${selects.join(' UNION ALL ')}`, p.values);
  for (const r of rows) {
    const have = out.get(r.value) ?? { lmin: null, lmax: null, histogram: new Array<number>(LATENCY_BUCKETS).fill(0) };
    const h = have.histogram!;
    for (const [i, n] of (r.histogram ?? []).entries()) h[i] = h[i]! + (n ?? 0);
    for (const [i, b] of (r.buckets ?? []).entries()) h[b] = h[b]! + (r.counts?.[i] ?? 0);
    const lo = [have.lmin, r.lmin].filter((x): x is number => x !== null && x !== undefined);
    const hi = [have.lmax, r.lmax].filter((x): x is number => x !== null && x !== undefined);
    out.set(r.value, {
      histogram: h,
      lmin: lo.length ? Math.min(...lo) : null,
      lmax: hi.length ? Math.max(...hi) : null,
    });
  }
  return out;
}

/** `GET /usage` over windows holding whole hours: see partsOf() for where each row is read. */
async function getSummaryAnalytics(
  sql: SqlExecutor,
  scope: UsageScope,
  q: ResolvedUsageAnalyticsQuery,
  maxRawScanRows: number,
): Promise<UsageAnalyticsResponse> {
  const { rows: tiers } = await sql.query<{ summary_to: Date | null; minute_from: Date | null }>(
    `SELECT CASE WHEN isfinite(summary_to) THEN summary_to END AS summary_to,
            CASE WHEN isfinite(minute_from) THEN minute_from END AS minute_from
       FROM usage_tiers WHERE id = 1`,
  );
  const summaryTo = tiers[0]?.summary_to?.getTime() ?? Number.NEGATIVE_INFINITY;
  const whole = await wholeEnds(sql, q.from, q.to);
  const at = (grain: Grain | 'perKey', hourly = false) => partsOf(scope, q, grain, summaryTo, hourly, whole);
  // Latency histograms need no bytes or status: per key, the trigger's per-key tiers hold them in
  // ~7× fewer rows than grain 1 (one row per key and day instead of per key, day and status).
  const latencyGrain = (groupBy?: UsageGroupBy): Grain | 'perKey' => {
    const needs = needsOf(scope, q, groupBy);
    const grain = grainFor(needs);
    return grain === 1 && q.status === undefined && groupBy !== 'status' ? 'perKey' : grain;
  };
  const totalsParts = at(grainFor(needsOf(scope, q)));
  const keyParts = at(grainFor({ ...needsOf(scope, q), key: true }));
  // Series: daily rows only fit buckets of whole days; shorter than an hour: the per-minute tier
  // when it covers the window and the question filters by key or user only, raw rows otherwise.
  const seriesDaily = q.bucketSeconds % 86_400 === 0;
  const minuteFrom = tiers[0]?.minute_from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const minuteSeriesOk = minuteSeriesEligible(q) && q.from.getTime() >= minuteFrom;
  if (q.bucketSeconds < 3_600 && !minuteSeriesOk) await boundRawScan(sql, scope, q, maxRawScanRows);
  const seriesSrc =
    q.bucketSeconds < 3_600
      ? minuteSeriesOk
        ? minuteSeries(scope, q)
        : sourceOf(scope, q, true)
      : (() => {
          const parts = at(grainFor(needsOf(scope, q)), !seriesDaily);
          return { sql: `${unionOf(parts)}`, params: parts.params, cte: rawCte(parts) };
        })();
  const seriesParams = new SqlParams();
  seriesParams.values.push(...seriesSrc.params.values);
  const bucket = seriesParams.add(q.bucketSeconds);
  const cte = 'cte' in seriesSrc ? seriesSrc.cte : '';
  const keyParams = new SqlParams();
  keyParams.values.push(...keyParts.params.values);
  const topLimit = keyParams.add(TOP_KEYS);
  const [totals, latency, points, keyRows, groups] = await Promise.all([
    sql.query<SumsRow & { active_keys: number | null }>(
      `${rawCte(totalsParts)}SELECT ${SUMS} FROM (${unionOf(totalsParts)}) AS src`,
      totalsParts.params.values,
    ),
    histograms(sql, at(latencyGrain()), null, null),
    sql.query<{ t: Date; requests: number; errors: number; rate_limited: number }>(
      `${cte}SELECT date_bin(make_interval(secs => ${bucket}), t, TIMESTAMPTZ 'epoch') AS t,
              sum(n)::float8 AS requests, coalesce(sum(n) FILTER (WHERE status_code >= 400), 0)::float8 AS errors,
              coalesce(sum(n) FILTER (WHERE status_code = 429), 0)::float8 AS rate_limited
         FROM (${seriesSrc.sql}) AS src GROUP BY 1 ORDER BY 1`,
      seriesParams.values,
    ),
    // Both top-key lists (and the number of active keys) from one pass over per-key rows.
    sql.query<TopRow & { by_requests: number; by_errors: number; active_keys: number }>(
      `${rawCte(keyParts)}SELECT k.id AS key_id, k.name, k.start, k.user_id, u.email, r.requests, r.errors, r.rate_limited,
              r.by_requests, r.by_errors, r.active_keys
         FROM (SELECT *, row_number() OVER (ORDER BY requests DESC, api_key_id) AS by_requests,
                      CASE WHEN errors > 0 THEN row_number() OVER (ORDER BY errors DESC, api_key_id) END AS by_errors,
                      count(*) FILTER (WHERE requests > 0) OVER ()::float8 AS active_keys
                 FROM (SELECT api_key_id, sum(n)::float8 AS requests,
                              coalesce(sum(n) FILTER (WHERE status_code >= 400), 0)::float8 AS errors,
                              coalesce(sum(n) FILTER (WHERE status_code = 429), 0)::float8 AS rate_limited
                         FROM (${unionOf(keyParts)}) AS src GROUP BY api_key_id) AS g) AS r
         JOIN api_keys k ON k.id = r.api_key_id
         JOIN users u ON u.id = k.user_id
        WHERE (r.by_requests <= ${topLimit} AND r.requests > 0) OR r.by_errors <= ${topLimit}`,
      keyParams.values,
    ),
    q.groupBy
      ? summaryGroups(sql, at(grainFor(needsOf(scope, q, q.groupBy))), at(latencyGrain(q.groupBy)), q.groupBy, q.top)
      : Promise.resolve(null),
  ]);
  const keyList = keyRows.rows;
  const byRequests = keyList
    .filter((r) => r.requests > 0 && r.by_requests <= TOP_KEYS)
    .sort((a, b) => a.by_requests - b.by_requests);
  const byErrors = keyList
    .filter((r) => r.by_errors !== null && r.by_errors <= TOP_KEYS)
    .sort((a, b) => a.by_errors - b.by_errors);
  return answerOf(sql, q, {
    totals: totals.rows[0]!,
    latency: latency.get(''),
    points: points.rows,
    groups,
    activeKeys: keyList[0]?.active_keys ?? 0,
    byRequests,
    byErrors,
  });
}

/** Series of sub-hour buckets can be cut from the per-minute tier (per key: counts, errors, 429s). */
const minuteSeriesEligible = (q: UsageFilters) =>
  q.route === undefined && q.method === undefined && q.status === undefined && q.pathPrefix === undefined;

/**
 * Series rows from usage_rollups (per key and minute, kept by the insert trigger) for the window's
 * whole minutes, and raw rows for its partial minutes, as rows with `n` requests of one
 * `status_code` class the series aggregate tells apart: 0 (no error), 400 (an error other than 429), 429.
 */
function minuteSeries(scope: UsageScope, q: UsageFilters & { from: Date; to: Date }) {
  const p = new SqlParams();
  const a = Math.ceil(q.from.getTime() / 60_000) * 60_000;
  const b = Math.max(a, Math.floor(q.to.getTime() / 60_000) * 60_000);
  const filters = filterConditions(scope, q, p)
    .map((c) => ` AND ${c}`)
    .join('');
  const sqlText = `
    SELECT x.t, v.status_code, v.n
      FROM (SELECT r.minute AS t, r.api_key_id, k.user_id, r.requests, r.status_4xx + r.status_5xx AS errors, r.rate_limited
              FROM usage_rollups r JOIN api_keys k ON k.id = r.api_key_id
             WHERE r.minute >= ${p.add(new Date(a))} AND r.minute < ${p.add(new Date(b))}) AS x
     CROSS JOIN LATERAL (VALUES (0, (x.requests - x.errors)::float8), (400, (x.errors - x.rate_limited)::float8),
                                (429, x.rate_limited::float8)) AS v(status_code, n)
     WHERE v.n > 0${filters}
    UNION ALL
    SELECT "timestamp", status_code, 1::float8 FROM usage_logs
     WHERE (("timestamp" >= ${p.add(q.from)} AND "timestamp" < ${p.add(new Date(a))})
         OR ("timestamp" >= ${p.add(new Date(b))} AND "timestamp" < ${p.add(q.to)}))${filters}`;
  return { sql: sqlText, params: p, cte: '' };
}

/** The top groups by requests (scalar sums over every row), then the histograms of just those. */
async function summaryGroups(sql: SqlExecutor, parts: Parts, latencyParts: Parts, groupBy: UsageGroupBy, top: number) {
  const p = new SqlParams();
  p.values.push(...parts.params.values);
  const limit = p.add(top);
  const column = GROUP_COLUMN[groupBy];
  const { rows } = await sql.query<GroupRow>(
    `${rawCte(parts)}SELECT *, count(*) OVER ()::float8 AS group_count
       FROM (SELECT ${column} AS value, ${SUMS} FROM (${unionOf(parts)}) AS src GROUP BY 1) AS g
      ORDER BY requests DESC, value COLLATE "C"
      LIMIT ${limit}`,
    p.values,
  );
  const latency =
    rows.length > 0
      ? await histograms(
          sql,
          latencyParts,
          column,
          rows.map((r) => r.value),
        )
      : new Map();
  return { rows, latency };
}
