import {
  KeyLimitsResponseSchema,
  type PlanSchema,
  type VerifyKeyResponse,
  VerifyKeyResponseSchema,
} from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApiToken } from '../support/credentials.js';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { createKey, rawRequest } from '../support/proxy-client.js';

type Plan = z.infer<typeof PlanSchema>;

// POST /keys/verify decides as the proxy does, on the same counters (real PostgreSQL and Redis).
describe('POST /keys/verify (postgres + redis)', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let plan: Plan;
  let verifyToken: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', redis: true, upstreamUrl: upstream.url });
    const created = await gw.admin('/plans', {
      method: 'POST',
      body: JSON.stringify({
        name: 'verified',
        windows: [
          { unit: 'minute', limit: 5 },
          { unit: 'day', limit: 1000, scope: 'owner' },
        ],
      }),
    });
    plan = (await created.json()) as Plan;
    const route = await gw.admin('/routes', {
      method: 'POST',
      body: JSON.stringify({ name: 'orders', prefix: '/orders', targets: [upstream.url], cost: 2 }),
    });
    expect(route.status).toBe(201);
    verifyToken = (await createApiToken(gw, 'verify')).token;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const verify = async (body: Record<string, unknown>, token = verifyToken): Promise<VerifyKeyResponse> => {
    const res = await fetch(`${gw.managementUrl}/keys/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return VerifyKeyResponseSchema.parse(await res.json());
  };
  const proxy = (path: string, key: string) => rawRequest(gw.url, { path, headers: { 'x-api-key': key } });

  it('a valid key: who it is, its plan, every window — counted on the counters the proxy uses', async () => {
    const key = await createKey(gw, { planId: plan.id });
    const first = await verify({ key: key.key });
    expect(first).toMatchObject({
      valid: true,
      code: 'VALID',
      detail: null,
      keyId: key.id,
      userId: key.userId,
      plan: 'verified',
      route: 'default',
      retryAfterSeconds: null,
    });
    expect(first.limits.map((l) => [l.window, l.limit, l.remaining, l.shadow])).toEqual([
      ['minute', 5, 4, false],
      ['owner-day', 1000, 999, false],
    ]);
    // The proxy sees the verification's count, and the verification the proxy's.
    const proxied = await proxy('/proxy/x', key.key);
    expect(proxied.status).toBe(200);
    expect(proxied.headers['x-ratelimit-remaining-minute']).toBe('3');
    // The route picked by path counts its cost (2); an explicit cost wins.
    const byPath = await verify({ key: key.key, path: '/orders/7' });
    expect(byPath.route).toBe('orders');
    expect(byPath.limits[0]?.remaining).toBe(1);
    const limited = await verify({ key: key.key, cost: 2 });
    expect(limited).toMatchObject({ valid: false, code: 'RATE_LIMITED', keyId: key.id });
    expect(limited.detail).toMatch(/per-minute limit is exhausted/);
    expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Refused: counted in nothing, as on the proxy; the proxy refuses the same way.
    expect(limited.limits[0]?.remaining).toBe(1);
    expect((await proxy('/proxy/orders/1', key.key)).status).toBe(429); // cost 2, one unit left
    expect((await proxy('/proxy/x', key.key)).status).toBe(200); // cost 1 takes it
    expect((await verify({ key: key.key })).code).toBe('RATE_LIMITED');
  });

  it('GET /keys/:id/limits shows every window right now, and counts nothing', async () => {
    const key = await createKey(gw, { planId: plan.id });
    for (let i = 0; i < 2; i++) expect((await proxy('/proxy/x', key.key)).status).toBe(200);
    const read = async () => {
      const res = await gw.admin(`/keys/${key.id}/limits`);
      expect(res.status).toBe(200);
      return KeyLimitsResponseSchema.parse(await res.json());
    };
    const first = await read();
    expect(first).toMatchObject({
      keyId: key.id,
      plan: { id: plan.id, name: 'verified', timeZone: 'UTC' },
      backend: 'redis',
    });
    expect(first.windows.map((w) => [w.window, w.limit, w.remaining])).toEqual([
      ['minute', 5, 3],
      ['owner-day', 1000, expect.any(Number)],
    ]);
    // Reading twice changes nothing; the proxy's next request sees the same counters.
    expect((await read()).windows[0]?.remaining).toBe(3);
    expect((await proxy('/proxy/x', key.key)).headers['x-ratelimit-remaining-minute']).toBe('2');
    // The key's owner may read it; another user may not.
    const other = await login(gw, 'limits-other@example.com');
    const foreign = await fetch(`${gw.managementUrl}/keys/${key.id}/limits`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    await expectProblem(foreign, 404, 'NOT_FOUND');
  });

  it('refuses what the proxy refuses, with the proxy’s codes', async () => {
    expect(await verify({ key: 'ak_obviouslyNotAKey' })).toMatchObject({
      valid: false,
      code: 'INVALID_API_KEY',
      keyId: null,
    });
    const disabled = await createKey(gw);
    await gw.admin(`/keys/${disabled.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    expect(await verify({ key: disabled.key })).toMatchObject({
      valid: false,
      code: 'KEY_DISABLED',
      keyId: disabled.id,
    });
    expect((await proxy('/proxy/x', disabled.key)).status).toBe(403);

    const scoped = await createKey(gw, {
      scopes: [{ route: 'orders', methods: ['GET'] }],
      allowedIps: ['203.0.113.0/24'],
    });
    expect(await verify({ key: scoped.key, path: '/orders/1', ip: '203.0.113.9' })).toMatchObject({ valid: true });
    expect(await verify({ key: scoped.key, path: '/orders/1', method: 'POST', ip: '203.0.113.9' })).toMatchObject({
      valid: false,
      code: 'ROUTE_NOT_ALLOWED',
      route: 'orders',
    });
    expect(await verify({ key: scoped.key, ip: '203.0.113.9' })).toMatchObject({
      valid: false,
      code: 'ROUTE_NOT_ALLOWED',
    });
    expect(await verify({ key: scoped.key, path: '/orders/1', ip: '198.51.100.1' })).toMatchObject({
      valid: false,
      code: 'IP_NOT_ALLOWED',
    });
    const noIp = await verify({ key: scoped.key, path: '/orders/1' });
    expect(noIp).toMatchObject({ valid: false, code: 'IP_NOT_ALLOWED' });
    expect(noIp.detail).toMatch(/pass the client address/);
    expect(await verify({ key: scoped.key, route: 'nope', ip: '203.0.113.9' })).toMatchObject({
      valid: false,
      code: 'ROUTE_NOT_FOUND',
    });
  });

  it('verifications show in the key’s usage, refusals included', async () => {
    const key = await createKey(gw);
    await verify({ key: key.key, path: '/billing/run', method: 'POST' });
    await gw.admin(`/keys/${key.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    await verify({ key: key.key });
    const recent = await eventually(async () => {
      const usage = (await (await gw.admin(`/usage/${key.id}`)).json()) as {
        recent: Array<{ method: string; path: string; statusCode: number }>;
      };
      expect(usage.recent).toHaveLength(2);
      return usage.recent;
    });
    expect(recent.map((r) => [r.method, r.path, r.statusCode]).sort()).toEqual([
      ['GET', '/verify', 403],
      ['POST', '/billing/run', 200],
    ]);
  });

  it('a verify token may verify and nothing else; consumers and read tokens may not verify', async () => {
    const as = (token: string, path: string, init: RequestInit = {}) =>
      fetch(gw.managementUrl + path, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    for (const [method, path] of [
      ['GET', '/keys'],
      ['POST', '/keys'],
      ['GET', '/usage'],
      ['GET', '/routes'],
      ['GET', '/plans'],
      ['POST', '/config/apply'],
      ['GET', '/webhooks'],
      ['GET', '/auth/session'],
    ] as const) {
      const res = await as(verifyToken, path, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      await expectProblem(res, 403, 'INSUFFICIENT_SCOPE');
    }
    const read = (await createApiToken(gw, 'read')).token;
    await expectProblem(
      await as(read, '/keys/verify', { method: 'POST', body: '{"key":"x"}' }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    const consumer = await login(gw, 'verify-consumer@example.com');
    await expectProblem(
      await as(consumer.token, '/keys/verify', { method: 'POST', body: '{"key":"x"}' }),
      403,
      'FORBIDDEN',
    );
    const write = (await createApiToken(gw, 'write')).token;
    expect((await verify({ key: 'ak_x' }, write)).code).toBe('INVALID_API_KEY');
    const bad = await as(verifyToken, '/keys/verify', {
      method: 'POST',
      body: JSON.stringify({ key: 'ak_x', ip: 'nope', cost: 0 }),
    });
    const problem = await expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['cost', 'ip']);
  });
});
