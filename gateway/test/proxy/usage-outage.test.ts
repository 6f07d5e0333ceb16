import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../src/db/client.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { readMetric } from '../support/metrics.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';
import { openDatabase, usageCount, usageRows } from '../support/usage-db.js';

const BUFFER_MAX = 100;

// The shared PostgreSQL server cannot be stopped (other suites use it), so an outage of the usage
// writer is simulated by taking its table away: every INSERT fails until the table is back, while
// key lookups (cached) and the rest of the database keep working.
describe.each(['postgres', 'pglite'] as const)('/proxy usage logging while writes fail (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let sql: SqlExecutor & { close: () => Promise<void> };

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url, env: { USAGE_BUFFER_MAX: String(BUFFER_MAX) } });
    sql = await openDatabase(gw);
  });
  afterAll(async () => {
    await sql?.close();
    await gw?.stop();
    await upstream?.close();
  });

  const get = (key: string, path = '/x') => fetch(`${gw.url}/proxy${path}`, { headers: { 'x-api-key': key } });
  const metric = (name: string) => readMetric(gw.managementUrl, name);
  const failures = () => metric('gateway_usage_flush_failures_total');

  /** Runs `during` with usage_logs renamed away, after the writer has failed at least once. */
  async function withoutUsageTable(during: () => Promise<void>) {
    const failedBefore = await failures();
    await sql.exec('ALTER TABLE usage_logs RENAME TO usage_logs_away');
    try {
      await during();
      await eventually(async () => expect(await failures()).toBeGreaterThan(failedBefore), 5_000);
    } finally {
      await sql.exec('ALTER TABLE usage_logs_away RENAME TO usage_logs');
    }
  }

  it('keeps answering with cached keys and writes every record once the table is back', async () => {
    const k = await createKey(gw, { limitPerMinute: 10_000 });
    expect((await get(k.key)).status).toBe(200); // caches the key
    await eventually(async () => expect(await usageCount(sql, k.id)).toBe(1));

    await withoutUsageTable(async () => {
      const statuses = await Promise.all(Array.from({ length: 80 }, () => get(k.key).then((r) => r.status)));
      expect(statuses).toEqual(new Array(80).fill(200));
      expect(gw.gateway.services.usage.pending).toBe(80);
    });

    await eventually(async () => expect(await usageCount(sql, k.id)).toBe(81), 15_000);
    expect(await metric('gateway_usage_records_dropped_total')).toBe(0);
  });

  it('drops the oldest records once the buffer is full, and counts them in /metrics', async () => {
    const k = await createKey(gw, { limitPerMinute: 10_000 });
    await withoutUsageTable(async () => {
      for (let i = 0; i < BUFFER_MAX + 50; i++) expect((await get(k.key, `/n/${i}`)).status).toBe(200);
      // Records overflow takes from a batch whose write is still failing count once that write has
      // failed (it might have succeeded): the count settles at exactly 50.
      await eventually(async () => expect(await metric('gateway_usage_records_dropped_total')).toBe(50), 5_000);
      expect(await metric('gateway_usage_buffer_depth')).toBeLessThanOrEqual(BUFFER_MAX);
    });

    await eventually(async () => expect(await usageCount(sql, k.id)).toBe(BUFFER_MAX), 15_000);
    // The newest BUFFER_MAX survived: /n/50 … /n/149.
    const paths = (await usageRows(sql, k.id)).map((r) => Number(r.path.slice(3))).sort((a, b) => a - b);
    expect(paths).toEqual(Array.from({ length: BUFFER_MAX }, (_, i) => i + 50));
    expect(gw.gateway.services.usage.dropped).toBe(50);
  });

  // PGlite is a single connection: nothing else can hold a lock on it while the gateway writes.
  it.skipIf(backend === 'pglite')('counts a record as dropped only if it was never written', async () => {
    const k = await createKey(gw, { limitPerMinute: 10_000 });
    const droppedBefore = await metric('gateway_usage_records_dropped_total');
    const locker = await openDatabase(gw);
    await locker.exec('BEGIN; LOCK TABLE usage_logs IN ACCESS EXCLUSIVE MODE');
    try {
      for (let i = 0; i < 20; i++) expect((await get(k.key)).status).toBe(200);
      // A batch is now being written, stuck behind the lock…
      await eventually(async () => {
        const { rows } = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO usage_logs%'`,
        );
        expect(rows[0]!.n).toBe(1);
      });
      // …while the buffer overflows, overwriting records of that very batch.
      for (let i = 0; i < BUFFER_MAX + 50; i++) expect((await get(k.key)).status).toBe(200);
    } finally {
      await locker.exec('COMMIT');
      await locker.close();
    }
    const sent = 20 + BUFFER_MAX + 50;
    await eventually(async () => expect(gw.gateway.services.usage.pending).toBe(0), 10_000);
    const written = await usageCount(sql, k.id);
    const dropped = (await metric('gateway_usage_records_dropped_total')) - droppedBefore;
    // Every record is either in the table or counted as dropped — exactly one of the two.
    expect(written + dropped).toBe(sent);
    expect(dropped).toBeGreaterThan(0);
  });
});
