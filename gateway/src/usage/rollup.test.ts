import { randomUUID } from 'node:crypto';
import { chartBucketSeconds } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, latencyBucket } from './latency-histogram.js';
import { getUsage, splitWindow } from './stats.js';

// The usage_rollup migration's trigger and the stats read over it, on an in-memory PGlite.
let db: Database;
const userId = randomUUID();

async function newKey(): Promise<string> {
  const id = randomUUID();
  await db.sql.query(
    `INSERT INTO api_keys (id, user_id, key_hash, start, name, limit_per_minute, limit_per_day)
     VALUES ($1, $2, $3, 'ak_test', 'test', 60, 1000)`,
    [id, userId, randomUUID()],
  );
  return id;
}

interface RollupRow {
  minute: Date;
  requests: number;
  status_2xx: number;
  status_3xx: number;
  status_4xx: number;
  status_5xx: number;
  rate_limited: number;
  latency_sum_ms: number;
  latency_min_ms: number;
  latency_max_ms: number;
  latency_histogram: number[];
}

interface Row {
  id?: string;
  status: number;
  latency: number;
  at: number;
}

/** One multi-row INSERT, the way the usage recorder writes a batch (retries keep their ids). */
async function insert(keyId: string, rows: Row[]) {
  await db.sql.query(
    `INSERT INTO usage_logs (id, api_key_id, user_id, method, path, status_code, latency_ms, "timestamp")
     SELECT i, $2, (SELECT user_id FROM api_keys WHERE id = $2), 'GET', '/x', s, l, t
       FROM unnest($1::uuid[], $3::smallint[], $4::real[], $5::timestamptz[]) AS u(i, s, l, t)
     ON CONFLICT ("timestamp", id) DO NOTHING`,
    [
      rows.map((r) => (r.id ??= randomUUID())),
      keyId,
      rows.map((r) => r.status),
      rows.map((r) => r.latency),
      rows.map((r) => new Date(r.at).toISOString()),
    ],
  );
}

/** Exact answers over the raw rows, for comparison. */
async function exact(keyId: string, from: Date, to: Date) {
  const { rows } = await db.sql.query<{ requests: number; s4: number; avg: number | null }>(
    `SELECT count(*)::int AS requests, count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::int AS s4,
            avg(latency_ms)::float8 AS avg
       FROM usage_logs WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
    [keyId, from, to],
  );
  return rows[0]!;
}

beforeAll(async () => {
  db = await createDatabase({ dataDir: '', inMemory: true });
  await migrate(db.sql, { lock: false });
  await db.sql.query(`INSERT INTO users (id, email) VALUES ($1, 'rollup@example.com')`, [userId]);
});
afterAll(async () => {
  await db?.close();
});

describe('usage_latency_bucket (database) and latencyBucket (TypeScript)', () => {
  it('put every latency in the same bucket, bounds included', async () => {
    const values = [0, 0.05, ...LATENCY_BOUNDS_MS, ...LATENCY_BOUNDS_MS.map((b) => b * 0.9999), 1.2345, 37.7, 250_000];
    // Latencies are stored as REAL: compare on the float4 value the database holds.
    const stored = values.map((v) => Math.fround(v));
    const { rows } = await db.sql.query<{ b: number }>(
      'SELECT usage_latency_bucket(v) AS b FROM unnest($1::real[]) WITH ORDINALITY AS u(v, i) ORDER BY i',
      [stored],
    );
    expect(rows.map((r) => r.b)).toEqual(stored.map(latencyBucket));
  });
});

describe('usage_rollups trigger', () => {
  it('sums each INSERT per key and minute, merging into rows that exist', async () => {
    const keyId = await newKey();
    const minute = Date.UTC(2030, 0, 1, 12, 0);
    await insert(keyId, [
      { status: 200, latency: 3, at: minute + 1_000 },
      { status: 429, latency: 0.5, at: minute + 2_000 },
      { status: 503, latency: 120, at: minute + 61_000 },
    ]);
    await insert(keyId, [{ status: 302, latency: 3.1, at: minute + 59_999 }]);
    const { rows } = await db.sql.query<RollupRow>(
      `SELECT minute, requests, status_2xx, status_3xx, status_4xx, status_5xx, rate_limited,
              latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram
         FROM usage_rollups WHERE api_key_id = $1 ORDER BY minute`,
      [keyId],
    );
    expect(rows).toHaveLength(2);
    const first = rows[0]!;
    const second = rows[1]!;
    expect(first.minute.getTime()).toBe(minute);
    expect([first.requests, first.status_2xx, first.status_3xx, first.status_4xx, first.status_5xx]).toEqual([
      3, 1, 1, 1, 0,
    ]);
    expect(first.rate_limited).toBe(1);
    expect(first.latency_sum_ms).toBeCloseTo(6.6, 5);
    expect(first.latency_min_ms).toBe(0.5);
    expect(first.latency_max_ms).toBeCloseTo(3.1, 5);
    const histogram = new Array<number>(LATENCY_BUCKETS).fill(0);
    for (const v of [3, 0.5, 3.1]) histogram[latencyBucket(Math.fround(v))]!++;
    expect(first.latency_histogram).toEqual(histogram);
    expect(second.minute.getTime()).toBe(minute + 60_000);
    expect([second.requests, second.status_5xx]).toEqual([1, 1]);
  });

  it('does not count a retried batch twice (rows skipped by ON CONFLICT DO NOTHING)', async () => {
    const keyId = await newKey();
    const batch: Row[] = [
      { status: 200, latency: 1, at: Date.UTC(2030, 0, 2) },
      { status: 200, latency: 2, at: Date.UTC(2030, 0, 2) + 1 },
    ];
    await insert(keyId, batch);
    await insert(keyId, batch);
    const { rows } = await db.sql.query<{ requests: number }>(
      'SELECT requests FROM usage_rollups WHERE api_key_id = $1',
      [keyId],
    );
    expect(rows).toEqual([{ requests: 2 }]);
  });

  it('goes with its key', async () => {
    const keyId = await newKey();
    await insert(keyId, [{ status: 200, latency: 1, at: Date.UTC(2030, 0, 3) }]);
    await db.sql.query('DELETE FROM api_keys WHERE id = $1', [keyId]);
    const { rows } = await db.sql.query('SELECT 1 FROM usage_rollups WHERE api_key_id = $1', [keyId]);
    expect(rows).toEqual([]);
  });
});

describe('getUsage over the rollup', () => {
  const start = Date.UTC(2030, 1, 1, 0, 0);
  let keyId: string;

  beforeAll(async () => {
    keyId = await newKey();
    // Every 7 s for 3 hours: whole minutes and partial ones, a 404 every 10th, latencies 1–40 ms.
    const rows: Row[] = Array.from({ length: (3 * 3600) / 7 }, (_, i) => ({
      status: i % 10 === 0 ? 404 : 200,
      latency: 1 + ((i * 7) % 40),
      at: start + i * 7_000,
    }));
    for (let i = 0; i < rows.length; i += 500) await insert(keyId, rows.slice(i, i + 500));
  });

  it.each([
    ['whole minutes', 0, 3 * 3600_000],
    ['edges inside minutes', 13_500, 2 * 3600_000 + 45_250],
    ['one minute and a bit', 59_000, 121_000],
    ['inside a single minute', 61_000, 119_000],
    ['an empty stretch', 4 * 3600_000, 5 * 3600_000],
  ])('counts exactly what the logs hold for %s', async (_name, fromOffset, toOffset) => {
    const from = new Date(start + fromOffset);
    const to = new Date(start + toOffset);
    const usage = await getUsage(db.sql, { keyId, from, to, bucketSeconds: chartBucketSeconds(from, to), limit: 5 });
    const truth = await exact(keyId, from, to);
    expect(usage.totals.requests).toBe(truth.requests);
    expect(usage.totals.byStatusClass['4xx']).toBe(truth.s4);
    expect(usage.series.reduce((n, p) => n + p.requests, 0)).toBe(truth.requests);
    expect(usage.series.reduce((n, p) => n + p.errors, 0)).toBe(truth.s4);
    if (truth.avg === null) expect(usage.latencyMs).toEqual({ avg: null, p50: null, p95: null, p99: null });
    else {
      expect(usage.latencyMs.avg).toBeCloseTo(truth.avg, 1);
      expect(usage.latencyMs.p50).not.toBeNull();
    }
  });

  it('splits a window at minute boundaries', () => {
    const { full, edges } = splitWindow(new Date(start + 1_500), new Date(start + 180_500));
    expect(full.map((d) => d.getTime() - start)).toEqual([60_000, 180_000]);
    expect(edges.map((d) => d.getTime() - start)).toEqual([1_500, 60_000, 180_000, 180_500]);
    const inside = splitWindow(new Date(start + 1_000), new Date(start + 2_000));
    expect(inside.full[0]).toEqual(inside.full[1]);
    expect(inside.edges.map((d) => d.getTime() - start)).toEqual([1_000, 2_000, 2_000, 2_000]);
  });
});
