import pg from 'pg';
import type { SqlExecutor } from '../../src/db/client.js';
import type { TestGateway } from './gateway.js';

export interface UsageRow {
  method: string;
  path: string;
  status_code: number;
  latency_ms: number;
  timestamp: Date;
}

/**
 * SQL straight at a gateway's database, bypassing the gateway: a connection of its own for
 * PostgreSQL (it keeps working after the gateway stops), the gateway's own handle for in-memory PGlite.
 */
export async function openDatabase(gw: TestGateway): Promise<SqlExecutor & { close: () => Promise<void> }> {
  if (!gw.databaseUrl) {
    const sql = gw.gateway.services.db.sql;
    return { query: (t, p) => sql.query(t, p), exec: (s) => sql.exec(s), close: async () => {} };
  }
  const client = new pg.Client({ connectionString: gw.databaseUrl });
  client.on('error', () => {}); // the database is dropped with (FORCE) when the gateway stops
  await client.connect();
  return {
    query: (t, p) => client.query(t, p) as never,
    exec: async (s) => {
      await client.query(s);
    },
    close: () => client.end(),
  };
}

export async function usageRows(sql: SqlExecutor, keyId: string): Promise<UsageRow[]> {
  const { rows } = await sql.query<UsageRow>(
    'SELECT method, path, status_code, latency_ms, "timestamp" FROM usage_logs WHERE api_key_id = $1',
    [keyId],
  );
  return rows;
}

export async function usageCount(sql: SqlExecutor, keyId: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_logs WHERE api_key_id = $1', [
    keyId,
  ]);
  return rows[0]!.n;
}
