import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { DAYS_AHEAD, maintainUsageStorage } from '../../src/usage/maintenance.js';
import { createTestDatabase } from '../support/database.js';

const PARTITIONING = '20261129140400_usage_partitions';
const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/** The migrations folder as it was before usage_logs was partitioned. */
async function migrationsBefore(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-migrations-'));
  for (const entry of await readdir(MIGRATIONS_DIR, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name >= name) continue;
    await cp(join(MIGRATIONS_DIR, entry.name), join(dir, entry.name), { recursive: true });
  }
  return dir;
}

/** Rows of one key; `before` for the schema before usage_dimensions (no owner column yet). */
async function insertLogs(db: Database, keyId: string, times: number[], status = 200, before = false) {
  const owner = before ? ['', ''] : [', user_id', ', (SELECT user_id FROM api_keys WHERE id = $1)'];
  await db.sql.query(
    `INSERT INTO usage_logs (id, api_key_id${owner[0]}, method, path, status_code, latency_ms, "timestamp")
     SELECT gen_random_uuid(), $1${owner[1]}, 'GET', '/x', $2, (i % 40) + 0.5, t
       FROM unnest($3::timestamptz[]) WITH ORDINALITY AS u(t, i)`,
    [keyId, status, times.map((t) => new Date(t).toISOString())],
  );
}

async function newKey(db: Database): Promise<string> {
  const userId = randomUUID();
  const keyId = randomUUID();
  await db.sql.query(`INSERT INTO users (id, email) VALUES ($1, $2)`, [userId, `${userId}@example.com`]);
  await db.sql.query(
    `INSERT INTO api_keys (id, user_id, key_hash, start, name, limit_per_minute, limit_per_day)
     VALUES ($1, $2, $3, 'ak_test', 'test', 60, 1000)`,
    [keyId, userId, randomUUID()],
  );
  return keyId;
}

const partitionsOf = async (db: Database, parent: string) =>
  (
    await db.sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1 ORDER BY 1`,
      [parent],
    )
  ).rows.map((r) => r.name);

const count = async (db: Database, sql: string, params: unknown[] = []) =>
  Number((await db.sql.query<{ n: string }>(sql, params)).rows[0]?.n);

describe.each(['postgres', 'pglite'] as const)('partitioned usage storage (%s)', (backend) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  let oldMigrations: string;

  beforeAll(async () => {
    oldMigrations = await migrationsBefore(PARTITIONING);
    if (backend === 'postgres') {
      const created = await createTestDatabase();
      drop = created.drop;
      db = await createDatabase({ databaseUrl: created.url, dataDir: '.', poolSize: 3 });
    } else {
      db = await createDatabase({ dataDir: '.', inMemory: true });
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
    await rm(oldMigrations, { recursive: true, force: true });
  });

  it('the migration converts an existing table with its rows, rollups and tiers exact', async () => {
    await db.withConnection((c) => migrate(c, { dir: oldMigrations, lock: false }));
    const keyId = await newKey(db);
    // Three days of traffic in the old, unpartitioned table (its trigger fills the minute rollup).
    const start = Date.now() - 3 * DAY;
    const times = Array.from({ length: 900 }, (_, i) => start + i * 287_000);
    await insertLogs(db, keyId, times, 200, true);
    await insertLogs(db, keyId, times.slice(0, 50), 503, true);
    const before = await count(db, 'SELECT count(*) AS n FROM usage_logs');
    const beforeRollup = await count(db, 'SELECT sum(requests) AS n FROM usage_rollups');
    expect(before).toBe(950);
    expect(beforeRollup).toBe(950);

    await db.withConnection((c) => migrate(c, { lock: false }));
    expect(await count(db, 'SELECT count(*) AS n FROM usage_logs')).toBe(950);
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups')).toBe(950);
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_hourly')).toBe(950);
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_daily')).toBe(950);
    expect(await count(db, 'SELECT sum(status_5xx) AS n FROM usage_rollups_daily')).toBe(50);
    // usage_dimensions: the old rows get their key's owner, the default route, no bytes, no address,
    // and the dimensional rollup counts them.
    expect(
      await count(
        db,
        `SELECT count(*) AS n FROM usage_logs l JOIN api_keys k ON k.id = l.api_key_id
          WHERE l.user_id = k.user_id AND route = 'default' AND request_bytes = 0 AND client_ip IS NULL`,
      ),
    ).toBe(950);
    expect(await count(db, "SELECT sum(requests) AS n FROM usage_rollups_dims WHERE route = 'default'")).toBe(950);
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_dims WHERE status_code = 503')).toBe(50);
    // Every row sits in its day's partition, none in the DEFAULT one.
    expect(await count(db, 'SELECT count(*) AS n FROM usage_logs_default')).toBe(0);
    const parts = await partitionsOf(db, 'usage_logs');
    expect(parts).toContain('usage_logs_default');
    const firstDay = new Date(start).toISOString().slice(0, 10).replaceAll('-', '');
    expect(parts).toContain(`usage_logs_p${firstDay}`);
    // A week ahead exists already.
    const ahead = new Date(Date.now() + DAYS_AHEAD * DAY).toISOString().slice(0, 10).replaceAll('-', '');
    expect(parts).toContain(`usage_logs_p${ahead}`);
  });

  it('new rows keep all three tiers exact, including latency histograms', async () => {
    const keyId = await newKey(db);
    const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    const times = Array.from({ length: 400 }, (_, i) => base + i * 19_000);
    await insertLogs(db, keyId, times);
    const tiers = await db.sql.query<{ tier: string; requests: string; histogram: number[] }>(
      `SELECT 'minute' AS tier, sum(requests) AS requests, usage_histogram_sum(latency_histogram) AS histogram
         FROM usage_rollups WHERE api_key_id = $1
       UNION ALL
       SELECT 'hour', sum(requests), usage_histogram_sum(latency_histogram) FROM usage_rollups_hourly WHERE api_key_id = $1
       UNION ALL
       SELECT 'day', sum(requests), usage_histogram_sum(latency_histogram) FROM usage_rollups_daily WHERE api_key_id = $1`,
      [keyId],
    );
    const [minute, hour, dayTier] = tiers.rows;
    expect(Number(minute?.requests)).toBe(400);
    expect(hour?.histogram).toEqual(minute?.histogram);
    expect(dayTier?.histogram).toEqual(minute?.histogram);
    expect(Number(hour?.requests)).toBe(400);
    expect(await count(db, 'SELECT count(*) AS n FROM usage_rollups_hourly WHERE api_key_id = $1', [keyId])).toBe(
      await count(
        db,
        `SELECT count(DISTINCT date_trunc('hour', "timestamp", 'UTC')) AS n FROM usage_logs WHERE api_key_id = $1`,
        [keyId],
      ),
    );
  });

  it('maintenance creates days ahead, drops expired days whole, keeps the tiers, and is idempotent', async () => {
    const keyId = await newKey(db);
    // 40 days of traffic, one request an hour, inserted after making their partitions.
    const now = day('2030-03-15') + 12 * 3_600_000;
    const times = Array.from({ length: 40 * 24 }, (_, i) => day('2030-02-04') + i * 3_600_000);
    const first = await maintainUsageStorage(db, { retentionDays: 365, rollupRetentionDays: 400, clock: () => now });
    expect(first.ran).toBe(true);
    for (let d = day('2030-02-04'); d < day('2030-03-16'); d += DAY) {
      const iso = new Date(d).toISOString().slice(0, 10);
      await db.sql.query(
        `SELECT usage_ensure_partition('usage_logs', $1::date), usage_ensure_partition('usage_rollups', $1::date)`,
        [iso],
      );
    }
    await insertLogs(db, keyId, times);
    const hourlyBefore = await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_hourly WHERE api_key_id = $1', [
      keyId,
    ]);
    expect(hourlyBefore).toBe(960);

    const result = await maintainUsageStorage(db, { retentionDays: 30, rollupRetentionDays: 400, clock: () => now });
    expect(result.ran).toBe(true);
    // 30 days kept: 2030-02-14 … 2030-03-15; the ten days before are gone, partitions and all.
    expect(result.minuteFrom.toISOString()).toBe('2030-02-14T00:00:00.000Z');
    expect(result.dropped).toContain('usage_logs_p20300204');
    expect(result.dropped).toContain('usage_rollups_p20300213');
    expect(result.dropped).not.toContain('usage_logs_p20300214');
    expect(await partitionsOf(db, 'usage_logs')).toContain('usage_logs_p20300322');
    expect(await count(db, 'SELECT count(*) AS n FROM usage_logs WHERE api_key_id = $1', [keyId])).toBe(30 * 24);
    // The hourly and daily tiers still hold all 40 days, exactly.
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_hourly WHERE api_key_id = $1', [keyId])).toBe(
      960,
    );
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_daily WHERE api_key_id = $1', [keyId])).toBe(
      960,
    );
    // So does the dimensional rollup (grouped analytics), by route, method and status.
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_dims WHERE api_key_id = $1', [keyId])).toBe(
      960,
    );
    // The tiered view reads the hours before the minute tier's start and the minutes after: still 960.
    expect(await count(db, 'SELECT sum(requests) AS n FROM usage_rollups_tiered WHERE api_key_id = $1', [keyId])).toBe(
      960,
    );

    const again = await maintainUsageStorage(db, { retentionDays: 30, rollupRetentionDays: 400, clock: () => now });
    expect(again).toMatchObject({ ran: true, created: [], dropped: [], rollupRowsDeleted: 0 });

    // Past ROLLUP_RETENTION_DAYS the long-range tiers go too.
    const later = await maintainUsageStorage(db, { retentionDays: 30, rollupRetentionDays: 20, clock: () => now });
    expect(later.rollupRowsDeleted).toBeGreaterThan(0);
    expect(
      await count(db, 'SELECT min("day") < $2 AS n FROM usage_rollups_daily WHERE api_key_id = $1', [
        keyId,
        new Date(day('2030-02-23')),
      ]),
    ).toBe(0);
    expect(
      await count(db, 'SELECT count(*) AS n FROM usage_rollups_dims WHERE api_key_id = $1 AND "hour" < $2', [
        keyId,
        new Date(day('2030-02-23')),
      ]),
    ).toBe(0);
  });

  it('two replicas maintaining at once: one runs, the other skips', async () => {
    if (backend === 'pglite') return; // one connection: there is no second session to contend
    const now = day('2030-04-01');
    const results = await Promise.all([
      maintainUsageStorage(db, { retentionDays: 30, rollupRetentionDays: 400, clock: () => now }),
      maintainUsageStorage(db, { retentionDays: 30, rollupRetentionDays: 400, clock: () => now }),
    ]);
    expect(results.filter((r) => r.ran).length).toBeGreaterThanOrEqual(1);
    const created = results.flatMap((r) => r.created);
    expect(new Set(created).size).toBe(created.length);
  });
});
