import { PlanSchema } from '@gateway/shared';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { type Answer, concurrentAgent, countByStatus, createKey } from '../support/proxy-client.js';

// Plans through the proxy, on two replicas sharing one PostgreSQL database and one Redis prefix.
describe('/proxy with plans across two replicas (postgres + redis)', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let a: TestGateway;
  let b: TestGateway;
  let agent: Agent;
  let n = 0;

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

  async function createPlan(body: Record<string, unknown>) {
    const res = await a.admin('/plans', { method: 'POST', body: JSON.stringify({ name: `plan-${++n}`, ...body }) });
    expect(res.status).toBe(201);
    return PlanSchema.parse(await res.json());
  }

  const get = async (gw: TestGateway, key: string) => {
    const res = await request(`${gw.url}/proxy/x`, { dispatcher: agent, headers: { 'x-api-key': key } });
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: await res.body.text() };
  };

  it('lets exactly 50 of 200 concurrent requests over three keys of one owner through a 50/min owner limit', async () => {
    const plan = await createPlan({
      windows: [
        { unit: 'minute', limit: 1_000 },
        { unit: 'minute', limit: 50, scope: 'owner' },
      ],
    });
    // b has never seen this plan: it learns it from the change event.
    const first = await createKey(a, { planId: plan.id });
    const keys = [first, await createKey(a, { planId: plan.id, userId: first.userId })];
    keys.push(await createKey(a, { planId: plan.id, userId: first.userId }));
    const answers: Answer[] = await Promise.all(
      Array.from({ length: 200 }, (_, i) => get(i % 2 ? b : a, keys[i % 3]!.key)),
    );
    expect(countByStatus(answers)).toEqual({ 200: 50, 429: 150 });
    const refused = answers.find((x) => x.status === 429)!;
    expect(JSON.parse(refused.body).detail).toMatch(
      /^The owner's per-minute limit \(shared by all their keys\) is exhausted/,
    );
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another user's key on the same plan is not affected.
    expect((await get(a, (await createKey(a, { planId: plan.id })).key)).status).toBe(200);
  });

  it('reaches every key on a plan on the other replica within 1 s of the plan changing', async () => {
    const plan = await createPlan({ windows: [{ unit: 'day', limit: 1 }] });
    const k = await createKey(a, { planId: plan.id });
    expect((await get(b, k.key)).status).toBe(200);
    await expectProblem(await fetch(`${b.url}/proxy/x`, { headers: { 'x-api-key': k.key } }), 429, 'RATE_LIMITED');
    const patch = await a.admin(`/plans/${plan.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ windows: [{ unit: 'day', limit: 100 }] }),
    });
    expect(patch.status).toBe(200);
    const changedAt = performance.now();
    const res = await eventually(async () => {
      const answer = await get(b, k.key);
      expect(answer.status).toBe(200);
      return answer;
    }, 1_000);
    expect(performance.now() - changedAt).toBeLessThan(1_000);
    // The day's count carried over: 1 used before, this one.
    expect(res.headers['x-ratelimit-remaining-day']).toBe('98');
    expect(res.headers['ratelimit-policy']).toBe('"day";q=100;w=86400');
  });

  it('reports a shadow window in the headers but never refuses for it', async () => {
    const plan = await createPlan({
      timeZone: 'Europe/Berlin',
      windows: [
        { unit: 'minute', limit: 2, shadow: true },
        { unit: 'day', limit: 1_000 },
      ],
    });
    const k = await createKey(a, { planId: plan.id });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(i % 2 ? b : a, k.key));
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200]);
    const last = answers[3]!;
    expect(last.headers['ratelimit-policy']).toBe('"minute";q=2;w=60;shadow, "day";q=1000;w=86400');
    expect(last.headers['x-ratelimit-remaining-minute']).toBe('0');
    // The enforced day binds the trio, not the exhausted shadow minute.
    expect(last.headers['x-ratelimit-limit']).toBe('1000');
    expect(last.headers['x-ratelimit-remaining']).toBe('996');
    const metrics = await (await fetch(`${a.managementUrl}/metrics`)).text();
    expect(metrics).toMatch(/gateway_rate_limit_window_checks_total\{window="minute",result="shadow_refused"\} [1-9]/);
  });

  it('applies a key’s own minute override on top of its plan', async () => {
    const plan = await createPlan({
      windows: [
        { unit: 'minute', limit: 100 },
        { unit: 'month', limit: 1_000 },
      ],
    });
    const k = await createKey(a, { planId: plan.id, limitPerMinute: 2 });
    const answers = [await get(a, k.key), await get(b, k.key), await get(a, k.key)];
    expect(answers.map((x) => x.status)).toEqual([200, 200, 429]);
    expect(answers[0]!.headers['ratelimit-policy']).toBe('"minute";q=2;w=60, "month";q=1000;w=2592000');
    expect(JSON.parse(answers[2]!.body).detail).toMatch(/^The key's per-minute limit is exhausted/);
  });
});

// The embedded defaults: one replica, PGlite and the in-memory limiter; changes apply directly.
describe('/proxy with plans (pglite, memory limiter)', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'pglite', upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('limits by owner and follows a plan change at once', async () => {
    const res = await gw.admin('/plans', {
      method: 'POST',
      body: JSON.stringify({ name: 'embedded', windows: [{ unit: 'hour', limit: 2, scope: 'owner' }] }),
    });
    const plan = PlanSchema.parse(await res.json());
    const k1 = await createKey(gw, { planId: plan.id });
    const k2 = await createKey(gw, { planId: plan.id, userId: k1.userId });
    const statuses = [];
    for (const k of [k1, k2, k1, k2])
      statuses.push((await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    await gw.admin(`/plans/${plan.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ windows: [{ unit: 'hour', limit: 3, scope: 'owner' }] }),
    });
    const after = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': k2.key } });
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit')).toMatch(/^"owner-hour";r=0;t=\d+$/);
  });
});
