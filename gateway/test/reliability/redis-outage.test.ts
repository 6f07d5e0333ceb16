import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startLoad } from '../support/load.js';
import { readMetric } from '../support/metrics.js';
import { expectProblem } from '../support/problem.js';
import { burst, type CreatedKey, concurrentAgent, countByStatus, createKey } from '../support/proxy-client.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { hostPortOf, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startUpstream } from '../support/upstream.js';

const ENGAGED = 'gateway_rate_limit_failure_mode_engaged';

// Redis is shared with other test files, so the outage is a TCP proxy between the gateway and Redis
// that resets every connection. The day quota is what the tests count against: unlike the sliding
// minute window it does not move while the test runs (unless it straddles 00:00 UTC).
describe.each(['local', 'open', 'closed'] as const)('Redis outage, RATE_LIMIT_FAILURE_MODE=%s', (mode) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let link: TcpProxy;
  let gw: TestGateway;
  let agent: ReturnType<typeof concurrentAgent>;
  let counted: CreatedKey; // limitPerDay 10
  let loadKey: CreatedKey; // never limited

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    link = await startTcpProxy(hostPortOf(TEST_REDIS_URL, 6379));
    gw = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      env: {
        REDIS_URL: link.url(TEST_REDIS_URL),
        RATE_LIMIT_FAILURE_MODE: mode,
        RATE_LIMIT_PROBE_BACKOFF_MS: '1000',
        RATE_LIMIT_PROBE_BACKOFF_MAX_MS: '2000',
      },
    });
    agent = concurrentAgent(64);
    counted = await createKey(gw, { limitPerMinute: 1_000, limitPerDay: 10 });
    loadKey = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
  });
  afterAll(async () => {
    await agent?.close();
    await gw?.stop();
    await link?.close();
    await upstream?.close();
  });

  /** /ready while Redis is away: still ready unless failing closed; the cause named, never its address. */
  async function expectReady(failureMode: typeof mode, redis: 'unreachable' | 'timeout') {
    const res = await fetch(`${gw.url}/ready`);
    const text = await res.text();
    expect(text).not.toMatch(/127\.0\.0\.1|ECONN|Command/);
    expect(text).not.toContain(String(link.port));
    if (failureMode === 'closed') {
      expect(res.status).toBe(503);
      expect(JSON.parse(text)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', detail: expect.stringContaining(redis) });
    } else {
      expect(res.status).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ status: 'degraded', checks: { database: 'ok', redis } });
    }
    await expectProblem(await fetch(`${gw.url}/ready?strict`), 503, 'SERVICE_UNAVAILABLE');
  }

  it('limits through Redis, loses Redis under load, fails as configured, and is exact again once Redis is back', async () => {
    // Before: 3 of the 10 daily requests are spent in Redis.
    expect(countByStatus(await burst(agent, `${gw.url}/proxy/a`, counted.key, 3))).toEqual({ 200: 3 });
    expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(0);
    for (const base of [gw.url, gw.managementUrl]) {
      const ready = await fetch(`${base}/ready?strict`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        database: 'postgres',
        checks: { database: 'ok', redis: 'ok' },
        degraded: [],
      });
    }

    const load = startLoad(gw.url, { key: loadKey.key, concurrency: 6 });
    await eventually(() => expect(load.result.answered).toBeGreaterThan(20));

    // Outage: every connection to Redis is reset, new ones too.
    link.cut();
    await eventually(async () => expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(1), 3_000);
    const during = await burst(agent, `${gw.url}/proxy/a`, counted.key, 30);
    if (mode === 'local') {
      // Per-replica counters that start empty: this replica alone lets exactly 10 through.
      expect(countByStatus(during)).toEqual({ 200: 10, 429: 20 });
    } else if (mode === 'open') {
      expect(countByStatus(during)).toEqual({ 200: 30 });
    } else {
      expect(countByStatus(during)).toEqual({ 503: 30 });
      const res = await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': counted.key } });
      await expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(1);
    await expectReady(mode, 'unreachable');
    expect(
      await readMetric(gw.managementUrl, 'gateway_rate_limit_decisions_total', {
        backend: mode === 'local' ? 'local-fallback' : mode,
      }),
    ).toBeGreaterThan(0);

    // Redis is back: ioredis reconnects by itself and the next decision goes to Redis again.
    link.restore();
    await eventually(async () => expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(0), 6_000);
    const result = await load.stop();

    // Under load, nothing but the failure mode's own answer: no 500, no dropped connection.
    expect(result.failures).toEqual([]);
    const allowed = mode === 'closed' ? ['200', '503'] : ['200'];
    expect(Object.keys(result.statuses).filter((s) => !allowed.includes(s))).toEqual([]);
    if (mode === 'closed') expect(result.statuses[503]).toBeGreaterThan(0);

    // Exact again: Redis still holds the 3 requests from before the outage (the outage's answers
    // were decided elsewhere and counted nowhere in Redis), so exactly 7 of 20 pass.
    const after = await burst(agent, `${gw.url}/proxy/a`, counted.key, 20);
    expect(countByStatus(after)).toEqual({ 200: 7, 429: 13 });
    const remaining = after
      .filter((a) => a.status === 200)
      .map((a) => Number(a.headers['x-ratelimit-remaining-day']))
      .sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });

  it('treats a hung Redis (connection open, no answers) like a dead one, within the command timeout', async () => {
    link.freeze();
    const started = performance.now();
    const res = await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': loadKey.key } });
    // ioredis' commandTimeout (500 ms) bounds how long one request can wait for a hung Redis.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(mode === 'closed' ? 503 : 200);
    expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(1);
    // While engaged, other requests do not wait for the hung Redis: one probe at a time does.
    const t0 = performance.now();
    const answers = await burst(agent, `${gw.url}/proxy/a`, loadKey.key, 10);
    expect(countByStatus(answers)).toEqual(mode === 'closed' ? { 503: 10 } : { 200: 10 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    await expectReady(mode, 'timeout');
    link.restore();
    await eventually(async () => {
      await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': loadKey.key } });
      expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(0);
    }, 6_000);
  });

  it('costs a hung Redis one slow request per probe, not one per request', async () => {
    expect((await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': loadKey.key } })).status).toBe(200);
    expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(0);
    link.freeze();
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      const res = await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': loadKey.key } });
      await res.arrayBuffer();
      times.push(performance.now() - started);
      expect(res.status).toBe(mode === 'closed' ? 503 : 200);
    }
    const total = times.reduce((a, b) => a + b, 0);
    console.log(`hung Redis, 8 sequential requests (${mode}): ${times.map((t) => Math.round(t)).join(', ')} ms`);
    // Before the circuit breaker every request waited for the 500 ms command timeout (8 × 0.50–0.52 s).
    // Now: the one that met the hung Redis, plus at most one probe per back-off (1 s).
    expect(times.filter((t) => t >= 400).length).toBeLessThanOrEqual(2);
    expect(total).toBeLessThan(3_000);
    link.restore();
    await eventually(async () => {
      await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': loadKey.key } });
      expect(await readMetric(gw.managementUrl, ENGAGED)).toBe(0);
    }, 6_000);
  });
});
