import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { arrayLiteral, UsageRecorder, uuidv7 } from './recorder.js';

// The recorder hands PostgreSQL whole columns as array literals; every value must come back as sent.
const AWKWARD = ['', '/', '/a,b', '/{x}', '/"q"', '/back\\slash', '/sp ace', '/NULL', 'NULL', '/ünï/😀', '/%22%5C'];

let db: Database;
const keyId = randomUUID();
const userId = randomUUID();

beforeAll(async () => {
  db = await createDatabase({ dataDir: '', inMemory: true });
  await migrate(db.sql, { lock: false });
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

describe('uuidv7', () => {
  it('is a version-7, RFC 9562 variant UUID that PostgreSQL accepts, ordered by time', async () => {
    const t = Date.UTC(2031, 0, 2, 3, 4, 5, 678);
    const ids = [uuidv7(t), uuidv7(t + 1), uuidv7(t + 60_000), uuidv7(t + 86_400_000)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]!.replaceAll('-', '').slice(0, 12)).toBe(t.toString(16).padStart(12, '0'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7(t))).size).toBe(10_000);
    const { rows } = await db.sql.query<{ v: number }>('SELECT substr($1::uuid::text, 15, 1)::int AS v', [ids[0]]);
    expect(rows[0]!.v).toBe(7);
  });
});

describe('UsageRecorder', () => {
  it('stores every field of a batch exactly, timestamps to the millisecond', async () => {
    const recorder = new UsageRecorder({
      sql: db.sql,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      bufferMax: 100,
      bufferMaxBytes: 1_048_576,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    const t0 = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
    const ips = ['203.0.113.7', '2001:db8::1', undefined];
    const routes = ['default', 'orders "v2"', 'a,b'];
    AWKWARD.forEach((path, i) => {
      const big = 2 ** 33 + i; // beyond 32 bits: bodies may exceed 4 GiB
      recorder.record(
        keyId,
        userId,
        routes[i % 3]!,
        i % 2 ? 'POST' : 'GET',
        path,
        200 + i,
        i + 0.25,
        t0 + i,
        i,
        big,
        ips[i % 3],
      );
    });
    await recorder.close(5_000);
    const { rows } = await db.sql.query<{
      method: string;
      path: string;
      status_code: number;
      latency_ms: number;
      timestamp: Date;
      user_id: string;
      route: string;
      request_bytes: number;
      response_bytes: number;
      client_ip: string | null;
    }>(
      `SELECT method, path, status_code, latency_ms, "timestamp", user_id, route, request_bytes::float8 AS request_bytes,
              response_bytes::float8 AS response_bytes, host(client_ip) AS client_ip
         FROM usage_logs WHERE api_key_id = $1 ORDER BY status_code`,
      [keyId],
    );
    expect(rows).toEqual(
      AWKWARD.map((path, i) => ({
        method: i % 2 ? 'POST' : 'GET',
        path,
        status_code: 200 + i,
        latency_ms: i + 0.25,
        timestamp: new Date(t0 + i),
        user_id: userId,
        route: routes[i % 3],
        request_bytes: i,
        response_bytes: 2 ** 33 + i,
        client_ip: ips[i % 3] ?? null,
      })),
    );
  });
});
