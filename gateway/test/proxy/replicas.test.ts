import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { type Answer, concurrentAgent, countByStatus, createKey } from '../support/proxy-client.js';
import { createRoute, updateRoute } from '../support/routes.js';

// Two gateway replicas sharing one PostgreSQL database and one Redis prefix, as behind a load balancer.
describe('/proxy across two replicas (postgres + redis)', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let a: TestGateway;
  let b: TestGateway;
  let agent: Agent;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    a = await startTestGateway({ backend: 'postgres', redis: true, upstreamUrl: upstream.url });
    b = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      databaseUrl: a.databaseUrl!,
      redisPrefix: a.redisPrefix!,
    });
    agent = concurrentAgent();
  });
  afterAll(async () => {
    await agent?.close();
    await b?.stop(); // b borrows a's database and prefix; a drops them
    await a?.stop();
    await upstream?.close();
  });

  /** `n` concurrent requests, alternating between the two replicas. */
  function burstBoth(key: string, n: number): Promise<Answer[]> {
    return Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await request(`${(i % 2 ? b : a).url}/proxy/burst`, {
          dispatcher: agent,
          headers: { 'x-api-key': key },
        });
        return { status: res.statusCode, headers: res.headers as Record<string, string>, body: await res.body.text() };
      }),
    );
  }

  it('lets exactly 50 of 200 concurrent requests spread over both replicas through a 50/min limit', async () => {
    const { key } = await createKey(a, { limitPerMinute: 50, limitPerDay: 10_000 });
    const answers = await burstBoth(key, 200);
    expect(countByStatus(answers)).toEqual({ 200: 50, 429: 150 });
    const remaining = answers
      .filter((x) => x.status === 200)
      .map((x) => Number(x.headers['x-ratelimit-remaining-minute']))
      .sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('lets exactly 50 of 200 concurrent requests spread over both replicas through a 50/day quota', async () => {
    const { key } = await createKey(a, { limitPerMinute: 1_000, limitPerDay: 50 });
    const answers = await burstBoth(key, 200);
    expect(countByStatus(answers)).toEqual({ 200: 50, 429: 150 });
  });

  it('answers 403 on the other replica within 1 s of a key being disabled', async () => {
    const k = await createKey(a);
    // Warm b's cache, so only the invalidation (not a cache miss) can make it notice.
    expect((await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const patch = await a.admin(`/keys/${k.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    expect(patch.status).toBe(200);
    const disabledAt = performance.now();
    await eventually(async () => {
      await expectProblem(await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } }), 403, 'KEY_DISABLED');
    }, 1_000);
    expect(performance.now() - disabledAt).toBeLessThan(1_000);
  });

  /** Waits until replica b answers `key` with this problem; fails if that takes more than 1 s. */
  async function expectOnBWithin1s(key: string, status: number, code: string) {
    const changedAt = performance.now();
    await eventually(async () => {
      await expectProblem(await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': key } }), status, code);
    }, 1_000);
    expect(performance.now() - changedAt).toBeLessThan(1_000);
  }

  it('refuses a rolled-away secret on the other replica within 1 s, and accepts the new one', async () => {
    const k = await createKey(a);
    expect((await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const res = await a.admin(`/keys/${k.id}/roll`, { method: 'POST', body: JSON.stringify({ graceSeconds: 0 }) });
    expect(res.status).toBe(200);
    await expectOnBWithin1s(k.key, 401, 'INVALID_API_KEY');
    const { key } = (await res.json()) as { key: string };
    expect((await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': key } })).status).toBe(200);
  });

  it('refuses the old secret on the other replica within 1 s of its grace period being ended early', async () => {
    const k = await createKey(a);
    const roll = await a.admin(`/keys/${k.id}/roll`, { method: 'POST', body: JSON.stringify({ graceSeconds: 3600 }) });
    expect(roll.status).toBe(200);
    expect((await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    expect((await a.admin(`/keys/${k.id}/previous-secret`, { method: 'DELETE' })).status).toBe(200);
    await expectOnBWithin1s(k.key, 401, 'INVALID_API_KEY');
  });

  it('applies new scopes and allow-lists on the other replica within 1 s', async () => {
    const k = await createKey(a);
    expect((await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const patch = (body: unknown) => a.admin(`/keys/${k.id}`, { method: 'PATCH', body: JSON.stringify(body) });
    expect((await patch({ scopes: [{ route: 'elsewhere' }] })).status).toBe(200);
    await expectOnBWithin1s(k.key, 403, 'ROUTE_NOT_ALLOWED');
    expect((await patch({ scopes: null, allowedIps: ['192.0.2.1'] })).status).toBe(200);
    await expectOnBWithin1s(k.key, 403, 'IP_NOT_ALLOWED');
  });

  it('answers 401 on the other replica within 1 s of a key being deleted', async () => {
    const k = await createKey(a);
    expect((await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    expect((await a.admin(`/keys/${k.id}`, { method: 'DELETE' })).status).toBe(204);
    const deletedAt = performance.now();
    await eventually(async () => {
      await expectProblem(await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } }), 401, 'INVALID_API_KEY');
    }, 1_000);
    expect(performance.now() - deletedAt).toBeLessThan(1_000);
  });

  it('routes by a new route on the other replica within 1 s, and stops within 1 s of it being disabled', async () => {
    const k = await createKey(a);
    const viaB = () => fetch(`${b.url}/proxy/replicated/x`, { headers: { 'x-api-key': k.key } });
    expect((await viaB()).status).toBe(200);
    upstream.seen.length = 0;
    const route = await createRoute(a, { name: 'replicated', prefix: '/replicated', targets: [`${upstream.url}/r`] });
    let changedAt = performance.now();
    await eventually(async () => {
      expect((await viaB()).status).toBe(200);
      expect(upstream.urls().at(-1)).toBe('/r/x');
    }, 1_000);
    expect(performance.now() - changedAt).toBeLessThan(1_000);

    await updateRoute(a, route.id, { enabled: false });
    changedAt = performance.now();
    await eventually(async () => expectProblem(await viaB(), 404, 'ROUTE_DISABLED'), 1_000);
    expect(performance.now() - changedAt).toBeLessThan(1_000);
  });
});
