import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase } from '../support/database.js';

// GET /usage/:keyId over a week took 5 s on a database with some traffic: the tiered view joined
// usage_tiers (one row, never analysed: estimated at 1,700), so every rollup estimate was multiplied,
// the cost passed jit_above_cost, and PostgreSQL compiled the 122 histogram sums with LLVM first.
describe('usage query plans', () => {
  let db: Database;
  let url: string;
  let drop: () => Promise<void>;
  const keyId = randomUUID();

  beforeAll(async () => {
    const created = await createTestDatabase();
    ({ url, drop } = created);
    db = await createDatabase({ databaseUrl: url, dataDir: '.', poolSize: 2 });
    await db.withConnection((c) => migrate(c, { lock: false }));
    const userId = randomUUID();
    await db.sql.query(`INSERT INTO users (id, email) VALUES ($1, $2)`, [userId, `${userId}@example.com`]);
    await db.sql.query(
      `INSERT INTO api_keys (id, user_id, key_hash, start, name) VALUES ($1, $2, $3, 'ak_test', 'test')`,
      [keyId, userId, randomUUID()],
    );
    // A day of traffic, one request a minute; the trigger fills the per-minute rollup.
    await db.sql.query(
      `INSERT INTO usage_logs (id, api_key_id, user_id, method, path, status_code, latency_ms, "timestamp")
       SELECT gen_random_uuid(), $1, $2, 'GET', '/x', 200, 20, now() - i * interval '1 minute'
         FROM generate_series(1, 1440) AS i`,
      [keyId, userId],
    );
    await db.sql.query('ANALYZE usage_rollups');
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('estimates the tiered view by its rollup rows, not multiplied by a guess for usage_tiers', async () => {
    const { rows } = await db.sql.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      `EXPLAIN (FORMAT JSON) SELECT requests FROM usage_rollups_tiered
        WHERE api_key_id = $1 AND minute >= now() - interval '1 day' AND minute < now()`,
      [keyId],
    );
    const estimate = rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'];
    // 1,440 minutes exist; the old view's join with the unanalysed usage_tiers estimated millions.
    expect(estimate).toBeLessThan(20_000);
  });

  it('turns JIT off for new sessions of the gateway database', async () => {
    const fresh = await createDatabase({ databaseUrl: url, dataDir: '.', poolSize: 1 });
    try {
      const { rows } = await fresh.sql.query<{ jit: string }>('SHOW jit');
      expect(rows[0]!.jit).toBe('off');
    } finally {
      await fresh.close();
    }
  });
});
