import type { UsageGroup, UsageGroupBy, UsageLogRecord } from '@gateway/shared';
import type { Response } from 'express';
import type { SqlExecutor } from '../db/client.js';
import { groupLabels, rawWhere } from './analytics.js';
import { GROUP_COLUMN, SqlParams, type UsageFilters, type UsageScope } from './analytics-filter.js';
import { listRequestLog } from './request-log.js';
import { QUANTILES, round } from './stats.js';

// Rows per database read: memory stays flat however long the export (one page at a time, and the
// next page is read only once the client has taken the previous one).
const LOG_PAGE = 2_000;
const GROUP_PAGE = 5_000;

export interface ExportQuery extends UsageFilters {
  from: Date;
  to: Date;
  format: 'csv' | 'ndjson';
  groupBy?: UsageGroupBy | undefined;
}

const LOG_COLUMNS = [
  'id',
  'timestamp',
  'keyId',
  'keyName',
  'userId',
  'route',
  'method',
  'path',
  'statusCode',
  'latencyMs',
  'requestBytes',
  'responseBytes',
  'clientIp',
] as const satisfies readonly (keyof UsageLogRecord)[];

const GROUP_COLUMNS = [
  'value',
  'label',
  'requests',
  'errors',
  'rateLimited',
  'latencyAvgMs',
  'latencyP50Ms',
  'latencyP95Ms',
  'latencyP99Ms',
  'requestBytes',
  'responseBytes',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. Text
 * that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first: a key named
 * `=HYPERLINK(…)`) gets a leading `'` (OWASP "CSV injection").
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const csvLine = (fields: (string | number | null)[]) => `${fields.map(csvField).join(',')}\r\n`;

const groupFields = (g: UsageGroup) => [
  g.value,
  g.label,
  g.requests,
  g.errors,
  g.rateLimited,
  g.latencyMs.avg,
  g.latencyMs.p50,
  g.latencyMs.p95,
  g.latencyMs.p99,
  g.requestBytes,
  g.responseBytes,
];

const day = (d: Date) => d.toISOString().slice(0, 16).replaceAll('-', '').replace(':', '');

/** Waits until the client has taken what was written (or has gone). */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * `GET /usage/export`: the request log (newest first) or, with `groupBy`, the whole grouped table
 * (in value order), as CSV with a header row or as
 * NDJSON. Streamed page by page with backpressure. The first page is read before the headers go
 * out, so a failure then is still answered as a problem document rather than a broken download.
 */
export async function streamUsageExport(sql: SqlExecutor, scope: UsageScope, q: ExportQuery, res: Response) {
  const pages = q.groupBy ? groupPages(sql, scope, q, q.groupBy) : logPages(sql, scope, q);
  let page = await pages.next();
  const ext = q.format === 'csv' ? 'csv' : 'ndjson';
  const name = `usage-${q.groupBy ? `by-${q.groupBy}` : 'log'}-${day(q.from)}-${day(q.to)}.${ext}`;
  res.status(200);
  res.setHeader(
    'Content-Type',
    q.format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8',
  );
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('Cache-Control', 'no-store');
  if (q.format === 'csv') res.write(csvLine(q.groupBy ? [...GROUP_COLUMNS] : [...LOG_COLUMNS]));
  while (!page.done) {
    const text =
      q.format === 'csv'
        ? page.value.map((row) => csvLine('value' in row ? groupFields(row) : LOG_COLUMNS.map((c) => row[c]))).join('')
        : page.value.map((row) => `${JSON.stringify(row)}\n`).join('');
    if (text && !res.write(text)) await drained(res);
    if (res.destroyed) {
      await pages.return(undefined);
      return;
    }
    page = await pages.next();
  }
  res.end();
}

async function* logPages(sql: SqlExecutor, scope: UsageScope, q: ExportQuery): AsyncGenerator<UsageLogRecord[]> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listRequestLog(sql, scope, { ...q, limit: LOG_PAGE, cursor });
    yield page.data;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

interface GroupRow {
  value: string;
  requests: number;
  errors: number;
  rate_limited: number;
  request_bytes: number;
  response_bytes: number;
  latency_sum: number | null;
  pct: number[] | null;
}

// Groups are read in pages in value order (keyset on the group's value), each page aggregated by the
// database.
async function* groupPages(
  sql: SqlExecutor,
  scope: UsageScope,
  q: ExportQuery,
  groupBy: UsageGroupBy,
): AsyncGenerator<UsageGroup[]> {
  const column = GROUP_COLUMN[groupBy];
  let after: string | null = null;
  for (;;) {
    const p = new SqlParams();
    const { where } = rawWhere(scope, q, p);
    // Byte order ("C"): the same on every database, whatever its default collation.
    const keyset: string = after === null ? '' : `AND (${column}) COLLATE "C" > ${p.add(after)}`;
    const limit = p.add(GROUP_PAGE);
    const { rows } = await sql.query<GroupRow>(
      `SELECT ${column} AS value, count(*)::float8 AS requests,
              count(*) FILTER (WHERE status_code >= 400)::float8 AS errors,
              count(*) FILTER (WHERE status_code = 429)::float8 AS rate_limited,
              coalesce(sum(request_bytes), 0)::float8 AS request_bytes,
              coalesce(sum(response_bytes), 0)::float8 AS response_bytes, sum(latency_ms::float8) AS latency_sum,
              percentile_cont(ARRAY[${QUANTILES.join(', ')}]) WITHIN GROUP (ORDER BY latency_ms) AS pct
         FROM usage_logs ${where} ${keyset}
        GROUP BY 1 ORDER BY (${column}) COLLATE "C" LIMIT ${limit}`,
      p.values,
    );
    if (rows.length === 0) return;
    const labels = await groupLabels(sql, groupBy, rows);
    yield rows.map(
      (r): UsageGroup => ({
        value: r.value,
        label: labels.get(r.value) ?? null,
        requests: r.requests,
        errors: r.errors,
        rateLimited: r.rate_limited,
        latencyMs: {
          avg: r.requests > 0 ? round((r.latency_sum ?? 0) / r.requests) : null,
          p50: round(r.pct?.[0]),
          p95: round(r.pct?.[1]),
          p99: round(r.pct?.[2]),
        },
        requestBytes: r.request_bytes,
        responseBytes: r.response_bytes,
      }),
    );
    if (rows.length < GROUP_PAGE) return;
    after = rows.at(-1)!.value;
  }
}
