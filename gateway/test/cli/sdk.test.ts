import { createGatewayClient, type GatewayClient, GatewayError, unwrap } from '@gateway/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createUser } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

// @gateway/sdk against a real gateway (PostgreSQL): the README's examples, and failures as typed values.
describe('@gateway/sdk', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let gateway: GatewayClient;
  let userId: string;
  const proxyStatus = async (key: string) =>
    (await rawRequest(gw.url, { path: '/proxy/hello', headers: { 'x-api-key': key } })).status;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
    const { token } = await createApiToken(gw, 'write');
    gateway = createGatewayClient({ baseUrl: gw.managementUrl, token });
    userId = await createUser(gw, 'sdk-owner@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('creates a key, rolls it with a grace period and reads its usage (the README example)', async () => {
    const created = await gateway.keys.create({ userId, name: 'billing-service', limitPerMinute: 600 });
    if (!created.ok) throw new Error(created.message);
    expect(created.status).toBe(201);
    const { id, key } = created.data;
    expect(await proxyStatus(key)).toBe(200);

    const rolled = unwrap(await gateway.keys.roll(id, { graceSeconds: 3600 }));
    expect(rolled.key).not.toBe(key);
    expect(rolled.previousSecret?.start).toBe(key.slice(0, 7));
    // Both secrets work during the grace period.
    expect(await proxyStatus(key)).toBe(200);
    expect(await proxyStatus(rolled.key)).toBe(200);

    const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const usage = await eventually(async () => {
      const result = await gateway.usage.key(id, { from });
      if (!result.ok || result.data.totals.requests < 3) throw new Error('usage not recorded yet');
      return result.data;
    });
    expect(usage.totals.byStatusClass['2xx']).toBe(3);
    expect(usage.latencyMs.p95).not.toBeNull();
    const analytics = unwrap(await gateway.usage.analytics({ from, keyId: id, groupBy: 'status' }));
    expect(analytics.totals.requests).toBe(3);
    expect(analytics.groups).toMatchObject([{ value: '200', requests: 3 }]);
  });

  it('reads the request log a page at a time, or whole with logsAll; exports it as NDJSON', async () => {
    const { id, key } = unwrap(await gateway.keys.create({ userId, name: 'log-reader' }));
    for (let i = 0; i < 5; i++) expect(await proxyStatus(key)).toBe(200);
    await eventually(async () => {
      const page = unwrap(await gateway.usage.logs({ keyId: id }));
      if (page.data.length < 5) throw new Error('not every request logged yet');
    });
    const first = unwrap(await gateway.usage.logs({ keyId: id, limit: 2 }));
    expect(first.data).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const all = unwrap(await gateway.usage.logsAll({ keyId: id, limit: 2 }));
    expect(all).toMatchObject({ truncated: false });
    expect(all.data.map((r) => r.keyId)).toEqual(Array(5).fill(id));
    expect(new Set(all.data.map((r) => r.id)).size).toBe(5);
    expect(unwrap(await gateway.usage.logsAll({ keyId: id, limit: 2 }, 3))).toMatchObject({ truncated: true });

    const exported = unwrap(await gateway.usage.export({ format: 'ndjson', keyId: id }));
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await exported.text()).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).id).sort()).toEqual(all.data.map((r) => r.id).sort());

    const refused = await gateway.usage.logs({ status: '6xx' });
    expect(refused).toMatchObject({ ok: false, status: 400, code: 'VALIDATION_FAILED' });
  });

  it('answers a refused request as { ok: false } with the problem and its code', async () => {
    const missing = await gateway.keys.get('00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ ok: false, kind: 'problem', status: 404, code: 'NOT_FOUND' });

    const invalid = await gateway.keys.create({ userId, limitPerMinute: 0 });
    expect(invalid).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', status: 400 });
    if (!invalid.ok)
      expect(invalid.fieldErrors).toContainEqual({ path: 'limitPerMinute', message: 'must be at least 1' });

    const badId = await gateway.keys.get('not-a-uuid');
    expect(badId).toMatchObject({ ok: false, status: 404, code: 'NOT_FOUND' });
  });

  it('a read token may list but not create: 403 INSUFFICIENT_SCOPE', async () => {
    const { token } = await createApiToken(gw, 'read');
    const reader = createGatewayClient({ baseUrl: gw.managementUrl, token });
    expect((await reader.keys.list()).ok).toBe(true);
    expect(await reader.keys.create({ userId })).toMatchObject({ ok: false, status: 403, code: 'INSUFFICIENT_SCOPE' });
  });

  it('without a token there is no session: 401, and unwrap throws a GatewayError', async () => {
    const anonymous = createGatewayClient({ baseUrl: gw.managementUrl });
    const result = await anonymous.auth.session();
    expect(result).toMatchObject({ ok: false, status: 401, code: 'UNAUTHORIZED' });
    expect(() => unwrap(result)).toThrow(GatewayError);
    expect(unwrap(await anonymous.auth.sessionStatus())).toEqual({ signedIn: false });
  });

  it('listAll follows the cursors across pages', async () => {
    const owner = await createUser(gw, 'sdk-many@example.com');
    for (let i = 0; i < 5; i++) unwrap(await gateway.keys.create({ userId: owner, name: `k${i}` }));
    const page = unwrap(await gateway.keys.list({ userId: owner, limit: 2 }));
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const all = unwrap(await gateway.keys.listAll({ userId: owner, limit: 2 }));
    expect(all.truncated).toBe(false);
    expect(all.data.map((k) => k.name).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(unwrap(await gateway.keys.listAll({ userId: owner, limit: 2 }, 3))).toMatchObject({ truncated: true });
  });

  it('routes, plans, settings, tokens, audit and config apply answer in the contract', async () => {
    const plan = unwrap(await gateway.plans.create({ name: 'sdk-plan', windows: [{ unit: 'minute', limit: 10 }] }));
    expect(unwrap(await gateway.plans.get(plan.id)).name).toBe('sdk-plan');
    const route = unwrap(await gateway.routes.create({ name: 'sdk', prefix: '/sdk', targets: [upstream.url] }));
    expect(unwrap(await gateway.routes.update(route.id, { cost: 2 })).cost).toBe(2);
    expect(unwrap(await gateway.routes.list()).data.map((r) => r.name)).toContain('sdk');
    expect((await gateway.routes.delete(route.id)).ok).toBe(true);
    expect((await gateway.plans.delete(plan.id)).ok).toBe(true);
    expect(unwrap(await gateway.settings.get()).maxKeysPerUser).toBeGreaterThan(0);
    expect(unwrap(await gateway.tokens.list()).data.length).toBeGreaterThan(0);
    expect(unwrap(await gateway.audit.list({ action: 'route.delete' })).data[0]?.target.id).toBe(route.id);
    const dry = unwrap(await gateway.config.apply({ file: 'routes: []\nplans: []\n', dryRun: true }));
    expect(dry).toMatchObject({ dryRun: true });
  });
});
