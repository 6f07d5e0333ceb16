import type { ApiKey, CreatedApiKey } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { createKey } from '../support/proxy-client.js';

type Upstream = Awaited<ReturnType<typeof startEchoUpstream>>;

const call = (base: string, key: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${base}/proxy/thing`, { method: init.method ?? 'GET', headers: { 'x-api-key': key, ...init.headers } });

/** Asserts a refusal that never reached the upstream; returns the problem. */
async function expectRefused(upstream: Upstream, res: Promise<Response>, status: number, code: string) {
  const before = upstream.seen.length;
  const problem = await expectProblem(await res, status, code);
  expect(upstream.seen.length).toBe(before);
  return problem;
}

/** The minute window's remaining count after one more allowed request: shows what was counted before. */
async function remainingAfterOneMore(base: string, key: string): Promise<number> {
  const res = await call(base, key);
  expect(res.status).toBe(200);
  return Number(res.headers.get('x-ratelimit-remaining-minute'));
}

describe('/proxy key scopes and IP allow-lists (postgres)', () => {
  let upstream: Upstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    // No trusted proxy: the socket's address is the client's.
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url, env: { TRUST_PROXY: 'false' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('lets a key scoped to the default route call it with any method', async () => {
    const k = await createKey(gw, { scopes: [{ route: 'default' }] });
    expect((await call(gw.url, k.key)).status).toBe(200);
    expect((await call(gw.url, k.key, { method: 'DELETE' })).status).toBe(200);
  });

  it('allows only the listed methods (GET implies HEAD); others get 403 ROUTE_NOT_ALLOWED and count nothing', async () => {
    const k = await createKey(gw, { limitPerMinute: 10, scopes: [{ route: 'default', methods: ['GET'] }] });
    expect((await call(gw.url, k.key, { method: 'HEAD' })).status).toBe(200);
    const problem = await expectRefused(upstream, call(gw.url, k.key, { method: 'POST' }), 403, 'ROUTE_NOT_ALLOWED');
    expect(problem.detail).toBe('This API key may not call route "default" with POST.');
    await expectRefused(upstream, call(gw.url, k.key, { method: 'PROPFIND' }), 403, 'ROUTE_NOT_ALLOWED');
    // HEAD counted one; the refused POST and PROPFIND nothing.
    expect(await remainingAfterOneMore(gw.url, k.key)).toBe(8);
  });

  it('refuses a key scoped to other routes with 403 naming the route, before any quota is counted', async () => {
    const k = await createKey(gw, { limitPerMinute: 10, scopes: [{ route: 'billing', methods: ['GET', 'POST'] }] });
    const problem = await expectRefused(upstream, call(gw.url, k.key), 403, 'ROUTE_NOT_ALLOWED');
    expect(problem.detail).toBe('This API key may not call route "default".');
    // Widening the scopes (PATCH) takes effect on the next request: nothing was counted meanwhile.
    const patch = await gw.admin(`/keys/${k.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ scopes: [{ route: 'billing' }, { route: 'default', methods: ['GET'] }] }),
    });
    expect(patch.status).toBe(200);
    expect(await remainingAfterOneMore(gw.url, k.key)).toBe(9);
  });

  it('lets a key with an allow-list holding the client address through', async () => {
    const k = await createKey(gw, { allowedIps: ['10.0.0.0/8', '127.0.0.0/8'] });
    expect((await call(gw.url, k.key)).status).toBe(200);
  });

  it('refuses other addresses with 403 IP_NOT_ALLOWED, counting nothing', async () => {
    const k = await createKey(gw, { limitPerMinute: 10, allowedIps: ['203.0.113.7', '2001:db8::/32'] });
    const problem = await expectRefused(upstream, call(gw.url, k.key), 403, 'IP_NOT_ALLOWED');
    expect(problem.detail).toBe('This API key may not be used from 127.0.0.1.');
    expect((await gw.admin(`/keys/${k.id}`, { method: 'PATCH', body: '{"allowedIps":null}' })).status).toBe(200);
    expect(await remainingAfterOneMore(gw.url, k.key)).toBe(9);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const k = await createKey(gw, { allowedIps: ['203.0.113.7'] });
    const res = call(gw.url, k.key, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    await expectRefused(upstream, res, 403, 'IP_NOT_ALLOWED');
  });
});

// A dual-stack listener: clients on 127.0.0.1 arrive as the IPv4-mapped ::ffff:127.0.0.1, clients on
// ::1 as IPv6; loopback is a trusted proxy, so its X-Forwarded-For is believed.
describe('/proxy IP allow-lists on a dual-stack listener behind a trusted proxy (postgres)', () => {
  let upstream: Upstream;
  let gw: TestGateway;
  let v6Url: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { HOST: '::', TRUST_PROXY: 'loopback' },
    });
    v6Url = `http://[::1]:${gw.gateway.port}`;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('matches an IPv4-mapped client address against IPv4 entries, and mapped entries too', async () => {
    for (const entry of ['127.0.0.1', '127.0.0.0/8', '::ffff:127.0.0.1', '::ffff:127.0.0.0/104']) {
      const k = await createKey(gw, { allowedIps: [entry] });
      expect((await call(gw.url, k.key)).status, entry).toBe(200);
    }
    const other = await createKey(gw, { allowedIps: ['10.0.0.0/8', '::1'] });
    await expectRefused(upstream, call(gw.url, other.key), 403, 'IP_NOT_ALLOWED');
  });

  it('matches an IPv6 client against IPv6 entries', async () => {
    const k = await createKey(gw, { allowedIps: ['::1/128'] });
    expect((await call(v6Url, k.key)).status).toBe(200);
    const v4Only = await createKey(gw, { allowedIps: ['127.0.0.1'] });
    await expectRefused(upstream, call(v6Url, v4Only.key), 403, 'IP_NOT_ALLOWED');
  });

  it('believes X-Forwarded-For from the trusted proxy (IPv4 and IPv6 clients)', async () => {
    const k = await createKey(gw, { allowedIps: ['203.0.113.0/24', '2001:db8::/32'] });
    const via = (client: string) => call(gw.url, k.key, { headers: { 'x-forwarded-for': client } });
    expect((await via('203.0.113.7')).status).toBe(200);
    expect((await via('2001:db8::7')).status).toBe(200);
    // The proxy itself (loopback) is not the client: without the header it is refused.
    await expectRefused(upstream, call(gw.url, k.key), 403, 'IP_NOT_ALLOWED');
    await expectRefused(upstream, via('198.51.100.1'), 403, 'IP_NOT_ALLOWED');
    await expectRefused(upstream, via('2001:db9::1'), 403, 'IP_NOT_ALLOWED');
    // A client-written entry left of the real client is not believed.
    await expectRefused(upstream, via('203.0.113.7, 198.51.100.1'), 403, 'IP_NOT_ALLOWED');
  });
});

describe('/proxy with a rolled key (postgres)', () => {
  let upstream: Upstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  async function roll(id: string, graceSeconds: number): Promise<CreatedApiKey> {
    const res = await gw.admin(`/keys/${id}/roll`, { method: 'POST', body: JSON.stringify({ graceSeconds }) });
    expect(res.status).toBe(200);
    return (await res.json()) as CreatedApiKey;
  }
  const getKey = async (id: string) => (await (await gw.admin(`/keys/${id}`)).json()) as ApiKey;

  it('accepts both secrets during the grace period, on the same key and the same limits', async () => {
    const old = await createKey(gw, { limitPerMinute: 10 });
    expect((await call(gw.url, old.key)).status).toBe(200);
    const rolled = await roll(old.id, 600);
    expect(rolled.id).toBe(old.id);
    expect(rolled.key).not.toBe(old.key);
    expect(rolled.previousSecret).toMatchObject({ start: old.key.slice(0, 7), lastUsedAt: null });
    const grace = Date.parse(rolled.previousSecret!.expiresAt) - Date.now();
    expect(grace).toBeGreaterThan(590_000);
    expect(grace).toBeLessThanOrEqual(600_000);
    expect((await call(gw.url, old.key)).status).toBe(200);
    // One key, one set of windows: the new secret's request is the third counted.
    expect(await remainingAfterOneMore(gw.url, rolled.key)).toBe(7);
  });

  it('shows when the old secret was last used after the roll', async () => {
    const old = await createKey(gw);
    await roll(old.id, 600);
    expect((await getKey(old.id)).previousSecret?.lastUsedAt).toBeNull();
    const before = Date.now();
    expect((await call(gw.url, old.key)).status).toBe(200);
    const seen = await eventually(async () => {
      const { previousSecret, lastUsedAt } = await getKey(old.id);
      expect(previousSecret?.lastUsedAt).not.toBeNull();
      return { previous: Date.parse(previousSecret!.lastUsedAt!), key: Date.parse(lastUsedAt!) };
    });
    expect(seen.previous).toBeGreaterThanOrEqual(before - 5);
    expect(seen.key).toBe(seen.previous);
  });

  it('refuses the old secret once the grace period ends, though it is still cached and no event came', async () => {
    const old = await createKey(gw);
    const rolled = await roll(old.id, 1);
    expect((await call(gw.url, old.key)).status).toBe(200); // cached now, with its deadline
    const left = Date.parse(rolled.previousSecret!.expiresAt) - Date.now();
    await new Promise((r) => setTimeout(r, Math.max(0, left) + 20));
    const problem = await expectRefused(upstream, call(gw.url, old.key), 401, 'INVALID_API_KEY');
    expect(problem.detail).toMatch(/rolled and its grace period has ended/);
    expect((await call(gw.url, rolled.key)).status).toBe(200);
    // The owner still sees that (and when) the old secret was used during its grace period.
    expect((await getKey(old.id)).previousSecret?.start).toBe(old.key.slice(0, 7));
  });

  it('stops the old secret at once with graceSeconds 0', async () => {
    const old = await createKey(gw);
    expect((await call(gw.url, old.key)).status).toBe(200);
    const rolled = await roll(old.id, 0);
    expect(rolled.previousSecret).toBeNull();
    await expectRefused(upstream, call(gw.url, old.key), 401, 'INVALID_API_KEY');
    expect((await call(gw.url, rolled.key)).status).toBe(200);
  });

  it('ends the grace period early with DELETE /keys/:id/previous-secret', async () => {
    const old = await createKey(gw);
    const rolled = await roll(old.id, 600);
    expect((await call(gw.url, old.key)).status).toBe(200);
    const ended = await gw.admin(`/keys/${old.id}/previous-secret`, { method: 'DELETE' });
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as ApiKey).previousSecret).toBeNull();
    await expectRefused(upstream, call(gw.url, old.key), 401, 'INVALID_API_KEY');
    expect((await call(gw.url, rolled.key)).status).toBe(200);
    await expectProblem(await gw.admin(`/keys/${old.id}/previous-secret`, { method: 'DELETE' }), 404, 'NOT_FOUND');
  });

  it('rolling again during a grace period ends the older secret at once', async () => {
    const first = await createKey(gw);
    const second = await roll(first.id, 600);
    expect((await call(gw.url, first.key)).status).toBe(200);
    const third = await roll(first.id, 600);
    expect(third.previousSecret?.start).toBe(second.start);
    await expectRefused(upstream, call(gw.url, first.key), 401, 'INVALID_API_KEY');
    expect((await call(gw.url, second.key)).status).toBe(200);
    expect((await call(gw.url, third.key)).status).toBe(200);
  });

  it('records both secrets in one usage history, and audits roll and end-grace without secrets', async () => {
    const old = await createKey(gw);
    const rolled = await roll(old.id, 600);
    expect((await call(gw.url, old.key)).status).toBe(200);
    expect((await call(gw.url, rolled.key)).status).toBe(200);
    await eventually(async () => {
      const usage = (await (await gw.admin(`/usage/${old.id}`)).json()) as { totals: { requests: number } };
      expect(usage.totals.requests).toBe(2);
    });
    expect((await gw.admin(`/keys/${old.id}/previous-secret`, { method: 'DELETE' })).status).toBe(200);
    const audit = await (await gw.admin(`/audit?targetId=${old.id}`)).text();
    const actions = (JSON.parse(audit) as { data: { action: string }[] }).data.map((e) => e.action);
    expect(actions).toEqual(['key.end_grace', 'key.roll', 'key.create']);
    expect(audit).not.toContain(old.key.slice(3));
    expect(audit).not.toContain(rolled.key.slice(3));
    const row = await gw.gateway.services.db.prisma.apiKey.findUniqueOrThrow({ where: { id: old.id } });
    expect(audit).not.toContain(row.keyHash);
  });
});
