import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { arrayLiteral, UsageRecorder } from './recorder.js';

// The recorder hands PostgreSQL whole columns as array literals; every value must come back as sent.
const AWKWARD = ['', '/', '/a,b', '/{x}', '/"q"', '/back\\slash', '/sp ace', '/NULL', 'NULL', '/ünï/😀', '/%22%5C'];

let db: Database;
const keyId = randomUUID();

beforeAll(async () => {
  db = await createDatabase({ dataDir: '', inMemory: true });
  await migrate(db.sql, { lock: false });
  const userId = randomUUID();
  await db.sql.query(`INSERT INTO users (id, email) VALUES ($1, 'rec@example.com')`, [userId]);
  await db.sql.query(
    `INSERT INTO api_keys (id, user_id, key_hash, start, name, limit_per_minute, limit_per_day)
     VALUES ($1, $2, 'h', 'ak_x', 'x', 1, 1)`,
    [keyId, userId],
  );
});
afterAll(async () => {
  await db?.close();
});

describe('arrayLiteral', () => {
  it('round-trips text, including quotes, backslashes, braces, commas, blanks and "NULL"', async () => {
    const { rows } = await db.sql.query<{ v: string }>(
      'SELECT v FROM unnest($1::text::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i',
      [arrayLiteral(AWKWARD, true)],
    );
    expect(rows.map((r) => r.v)).toEqual(AWKWARD);
  });

  it('writes numbers as PostgreSQL reads them', async () => {
    const values = [0, 1.5, 1e-7, 123456.789, Number.NaN];
    const { rows } = await db.sql.query<{ v: number }>(
      'SELECT v FROM unnest($1::text::float8[]) WITH ORDINALITY AS u(v, i) ORDER BY i',
      [arrayLiteral(values, false)],
    );
    expect(rows.map((r) => r.v)).toEqual(values);
  });
});

describe('UsageRecorder', () => {
  it('stores every field of a batch exactly, timestamps to the millisecond', async () => {
    const recorder = new UsageRecorder({
      sql: db.sql,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      bufferMax: 100,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    const t0 = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
    AWKWARD.forEach((path, i) => {
      recorder.record({
        keyId,
        method: i % 2 ? 'POST' : 'GET',
        path,
        statusCode: 200 + i,
        latencyMs: i + 0.25,
        timestamp: t0 + i,
      });
    });
    await recorder.close(5_000);
    const { rows } = await db.sql.query<{
      method: string;
      path: string;
      status_code: number;
      latency_ms: number;
      timestamp: Date;
    }>(
      'SELECT method, path, status_code, latency_ms, "timestamp" FROM usage_logs WHERE api_key_id = $1 ORDER BY status_code',
      [keyId],
    );
    expect(rows).toEqual(
      AWKWARD.map((path, i) => ({
        method: i % 2 ? 'POST' : 'GET',
        path,
        status_code: 200 + i,
        latency_ms: i + 0.25,
        timestamp: new Date(t0 + i),
      })),
    );
  });
});
