import type { UsageLogRecord } from '@gateway/shared';
import type { SqlExecutor } from '../db/client.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import { rawWhere } from './analytics.js';
import type { UsageFilters, UsageScope } from './analytics-filter.js';
import { round } from './stats.js';

export interface RequestLogQuery extends UsageFilters {
  from: Date;
  to: Date;
  limit: number;
  cursor?: string | undefined;
}

interface LogRow {
  id: string;
  timestamp: Date;
  api_key_id: string;
  key_name: string | null;
  user_id: string;
  route: string;
  method: string;
  path: string;
  status_code: number;
  latency_ms: number;
  request_bytes: number;
  response_bytes: number;
  client_ip: string | null;
}

const toRecord = (r: LogRow): UsageLogRecord => ({
  id: r.id,
  timestamp: r.timestamp.toISOString(),
  keyId: r.api_key_id,
  keyName: r.key_name,
  userId: r.user_id,
  route: r.route,
  method: r.method,
  path: r.path,
  statusCode: r.status_code,
  latencyMs: round(r.latency_ms) ?? 0,
  requestBytes: r.request_bytes,
  responseBytes: r.response_bytes,
  clientIp: r.client_ip,
});

/**
 * One page of the request log, newest first: keyset paging over (timestamp, id), so pages stay
 * stable while rows arrive and each page is one short index walk (usage_logs' primary key, or the
 * (api_key_id, timestamp) index with a key filter) — never an OFFSET.
 */
export async function listRequestLog(
  sql: SqlExecutor,
  scope: UsageScope,
  q: RequestLogQuery,
): Promise<{ data: UsageLogRecord[]; nextCursor: string | null }> {
  const { where, params } = rawWhere(scope, q);
  let keyset = '';
  if (q.cursor) {
    const c = decodeKeysetCursor(q.cursor);
    keyset = `AND (l."timestamp", l.id) < (${params.add(c.at)}, ${params.add(c.id)}::uuid)`;
  }
  const limit = params.add(q.limit + 1);
  const { rows } = await sql.query<LogRow>(
    `SELECT l.id::text AS id, l."timestamp", l.api_key_id::text AS api_key_id, k.name AS key_name,
            l.user_id::text AS user_id, l.route, l.method, l.path, l.status_code, l.latency_ms::float8 AS latency_ms,
            l.request_bytes::float8 AS request_bytes, l.response_bytes::float8 AS response_bytes,
            host(l.client_ip) AS client_ip
       FROM (SELECT * FROM usage_logs ${where}) AS l
       LEFT JOIN api_keys k ON k.id = l.api_key_id
      WHERE true ${keyset}
      ORDER BY l."timestamp" DESC, l.id DESC
      LIMIT ${limit}`,
    params.values,
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: page.map(toRecord),
    nextCursor: rows.length > q.limit && last ? encodeKeysetCursor(last.timestamp, last.id) : null,
  };
}
