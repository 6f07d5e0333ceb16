import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startLoad } from '../support/load.js';
import { liveBytes } from '../support/memory.js';
import { readMetric } from '../support/metrics.js';
import { expectProblem } from '../support/problem.js';
import { burst, type CreatedKey, concurrentAgent, countByStatus, createKey } from '../support/proxy-client.js';
import { hostPortOf, startTcpProxy } from '../support/tcp-proxy.js';
import { startUpstream } from '../support/upstream.js';

/** A gateway whose DATABASE_URL goes through a TCP proxy we can cut; rows are counted directly. */
async function gatewayBehindLink(upstreamUrl: string, env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const link = await startTcpProxy(hostPortOf(db.url, 5432));
  const gw = await startTestGateway({ backend: 'postgres', upstreamUrl, databaseUrl: link.url(db.url), env });
  const direct = new pg.Client({ connectionString: db.url });
  await direct.connect();
  const rowsOf = async (keyId: string) =>
    (await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_logs WHERE api_key_id = $1', [keyId]))
      .rows[0]!.n;
  return {
    gw,
    link,
    rowsOf,
    close: async () => {
      await gw.stop();
      await direct.end();
      await link.close();
      await db.drop();
    },
  };
}

const get = (gw: TestGateway, key: string) => fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key } });

describe('PostgreSQL outage', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let env: Awaited<ReturnType<typeof gatewayBehindLink>>;
  let agent: ReturnType<typeof concurrentAgent>;
  let cached: CreatedKey;
  let uncached: CreatedKey;
  let answeredWithCached = 0;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    env = await gatewayBehindLink(upstream.url);
    agent = concurrentAgent(32);
    cached = await createKey(env.gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
    uncached = await createKey(env.gw);
  });
  afterAll(async () => {
    await agent?.close();
    await env?.close();
    await upstream?.close();
  });

  it('keeps serving cached keys, answers 503 (not 401) for uncached ones, and writes every buffered usage row once the database is back', async () => {
    const { gw, link } = env;
    expect((await get(gw, cached.key)).status).toBe(200); // now in the key cache
    answeredWithCached++;
    const load = startLoad(gw.url, { key: cached.key, concurrency: 4 });
    await eventually(() => expect(load.result.answered).toBeGreaterThan(20));

    link.cut();
    // A key the gateway has not seen may be valid: "try again", never "unauthorized".
    const res = await get(gw, uncached.key);
    await expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // A never-issued key is just as unknowable while the database is away.
    await expectProblem(await get(gw, generateApiKey().key), 503, 'SERVICE_UNAVAILABLE');
    // A malformed key needs no database to be refused.
    await expectProblem(await get(gw, 'ak_nope'), 401, 'INVALID_API_KEY');
    // Cached keys keep working, concurrently too.
    expect(countByStatus(await burst(agent, `${gw.url}/proxy/x`, cached.key, 50))).toEqual({ 200: 50 });
    answeredWithCached += 50;
    // Still ready: it serves cached keys. The public answer names the state, never the address or error.
    const ready = await fetch(`${gw.url}/ready`);
    const readyText = await ready.text();
    expect(ready.status).toBe(200);
    expect(JSON.parse(readyText)).toMatchObject({
      status: 'degraded',
      checks: { database: 'unreachable' },
      degraded: [expect.stringContaining('database')],
    });
    expect(readyText).not.toMatch(/127\.0\.0\.1|ECONN|connect/);
    expect(readyText).not.toContain(String(link.port));
    await expectProblem(await fetch(`${gw.url}/ready?strict`), 503, 'SERVICE_UNAVAILABLE');
    await eventually(async () =>
      expect(await readMetric(gw.managementUrl, 'gateway_usage_flush_failures_total')).toBeGreaterThan(0),
    );
    expect(await readMetric(gw.managementUrl, 'gateway_usage_buffer_depth')).toBeGreaterThan(0);

    link.restore();
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(result.statuses).toEqual({ 200: result.answered });
    answeredWithCached += result.answered;

    // Back: the uncached key is looked up and works; every answered request has its row.
    await eventually(async () => expect((await get(gw, uncached.key)).status).toBe(200), 5_000);
    await eventually(async () => expect(await env.rowsOf(cached.id)).toBe(answeredWithCached), 15_000, 100);
    expect(await env.rowsOf(uncached.id)).toBe(1);
    expect(await readMetric(gw.managementUrl, 'gateway_usage_records_dropped_total')).toBe(0);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
  });

  it('answers 503 for an uncached key within seconds when the database hangs instead of dying', async () => {
    const { gw, link } = env;
    const fresh = await createKey(gw);
    link.freeze(); // connections stay open, nothing answers: no error ever arrives by itself
    try {
      const started = performance.now();
      await expectProblem(await get(gw, fresh.key), 503, 'SERVICE_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(4_500);
      expect((await get(gw, cached.key)).status).toBe(200);
      const ready = await fetch(`${gw.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'degraded', checks: { database: 'timeout' } });
    } finally {
      link.restore();
    }
    await eventually(async () => expect((await get(gw, fresh.key)).status).toBe(200), 5_000);
  });

  it('answers management requests with 503 while the database is away, not 500', async () => {
    const { gw, link } = env;
    link.cut();
    try {
      await expectProblem(await gw.admin('/keys'), 503, 'SERVICE_UNAVAILABLE');
      await expectProblem(await gw.admin(`/keys/${cached.id}`), 503, 'SERVICE_UNAVAILABLE');
      const login = await fetch(`${gw.managementUrl}/auth/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'outage@example.com' }),
      });
      await expectProblem(login, 503, 'SERVICE_UNAVAILABLE');
    } finally {
      link.restore();
    }
    await eventually(async () => expect((await gw.admin('/keys')).status).toBe(200), 5_000);
  });
});

describe('PostgreSQL outage with a small usage buffer', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let env: Awaited<ReturnType<typeof gatewayBehindLink>>;
  let agent: ReturnType<typeof concurrentAgent>;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    env = await gatewayBehindLink(upstream.url, { USAGE_BUFFER_MAX: '100', USAGE_BATCH_SIZE: '40' });
    agent = concurrentAgent(32);
  });
  afterAll(async () => {
    await agent?.close();
    await env?.close();
    await upstream?.close();
  });

  it('drops the oldest records beyond the bound and counts exactly how many', async () => {
    const { gw, link } = env;
    const key = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
    expect(countByStatus(await burst(agent, `${gw.url}/proxy/x`, key.key, 20))).toEqual({ 200: 20 });
    await eventually(async () => expect(await env.rowsOf(key.id)).toBe(20), 5_000);

    link.cut();
    let answered = 20;
    for (let i = 0; i < 5; i++) {
      expect(countByStatus(await burst(agent, `${gw.url}/proxy/x`, key.key, 50))).toEqual({ 200: 50 });
      answered += 50;
    }
    expect(await readMetric(gw.managementUrl, 'gateway_usage_records_dropped_total')).toBe(150);
    expect(await readMetric(gw.managementUrl, 'gateway_usage_buffer_depth')).toBeLessThanOrEqual(100);

    link.restore();
    await eventually(async () => expect(await env.rowsOf(key.id)).toBe(120), 15_000, 100);
    const dropped = await readMetric(gw.managementUrl, 'gateway_usage_records_dropped_total');
    expect(dropped).toBe(150);
    expect((await env.rowsOf(key.id)) + dropped).toBe(answered);
  });
});

// Issue 12 item 3: with PostgreSQL down, 110k requests with 15 KB paths (almost all 429s) grew RSS to
// 1.76 GB before the record bound (USAGE_BUFFER_MAX, 100,000) was reached.
describe('PostgreSQL outage with long request targets', () => {
  const MAX_BYTES = 2 * 1024 * 1024;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let env: Awaited<ReturnType<typeof gatewayBehindLink>>;
  let agent: ReturnType<typeof concurrentAgent>;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    env = await gatewayBehindLink(upstream.url, {
      USAGE_BUFFER_MAX_BYTES: String(MAX_BYTES),
      KEY_CACHE_TTL_MS: '600000',
    });
    agent = concurrentAgent(32);
  });
  afterAll(async () => {
    await agent?.close();
    await env?.close();
    await upstream?.close();
  });

  it('keeps the buffer within its bytes, stores paths cut to 1 KiB and accounts for every request', async () => {
    const { gw, link } = env;
    const key = await createKey(gw, { limitPerMinute: 10, limitPerDay: 1_000_000_000 });
    expect((await get(gw, key.key)).status).toBe(200); // now in the key cache
    await eventually(async () => expect(await env.rowsOf(key.id)).toBe(1), 5_000);

    link.cut();
    // 15 KB paths, and short paths under 15 KB query strings: in V8 a path sliced out of such a URL
    // kept the whole URL alive.
    const targets = [`/proxy/${'p'.repeat(15_000)}`, `/proxy/items/by-query?q=${'q'.repeat(15_000)}`];
    const before = liveBytes();
    let answered = 1;
    for (let round = 0; round < 6; round++) {
      const answers = await burst(agent, `${gw.url}${targets[round % 2]}`, key.key, 500);
      expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
      answered += answers.length;
    }
    const grown = liveBytes() - before;
    // Before: 3,000 records held ~45 MB (each its whole 15 KB URL). After: the 2 MiB bound plus a
    // few MB of test traffic.
    expect(grown).toBeLessThan(24 * 1024 * 1024);
    const usage = gw.gateway.services.usage;
    expect(usage.pendingBytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(usage.pendingBytes).toBeGreaterThan(MAX_BYTES / 2);
    expect(await readMetric(gw.managementUrl, 'gateway_usage_records_dropped_total')).toBeGreaterThan(0);

    link.restore();
    await eventually(
      async () => {
        const dropped = await readMetric(gw.managementUrl, 'gateway_usage_records_dropped_total');
        expect((await env.rowsOf(key.id)) + dropped).toBe(answered);
      },
      20_000,
      200,
    );
    const { rows } = await env.gw.gateway.services.db.sql.query<{ path: string }>(
      'SELECT DISTINCT path FROM usage_logs WHERE api_key_id = $1',
      [key.id],
    );
    expect(rows.map((r) => r.path).sort()).toEqual(['/items/by-query', `/${'p'.repeat(1_022)}…`, '/x'].sort());
  }, 60_000);
});
