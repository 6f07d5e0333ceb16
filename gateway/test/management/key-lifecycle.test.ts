import { ApiKeySchema, CreatedApiKeySchema, MAX_ROLL_GRACE_SECONDS } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/keys/api-key.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

// Scopes, IP allow-lists and rolling through the management API: contract, who may do what, what
// is stored. What the proxy does with them: test/proxy/key-access.test.ts.
describe('key scopes, allow-lists and rolling (postgres)', () => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url, env: { USER_MAX_KEYS: '1000' } });
    alice = await login(gw, 'alice@example.com');
    bob = await login(gw, 'bob@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const api = (token: string) => as(gw, token);
  const createAs = async (token: string, body: unknown = {}) => {
    const res = await api(token)('/keys', { method: 'POST', body });
    expect(res.status, await res.clone().text()).toBe(201);
    return CreatedApiKeySchema.parse(await res.json());
  };
  const patchAs = (token: string, id: string, body: unknown) => api(token)(`/keys/${id}`, { method: 'PATCH', body });

  describe('POST /keys and PATCH /keys/:id with scopes and allowedIps', () => {
    it('stores and shows them, methods in one order without duplicates', async () => {
      const key = await createAs(alice.token, {
        scopes: [{ route: 'billing', methods: ['POST', 'GET', 'POST'] }, { route: 'default' }],
        allowedIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
      });
      expect(key).toMatchObject({
        scopes: [{ route: 'billing', methods: ['GET', 'POST'] }, { route: 'default' }],
        allowedIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
        restrictedByAdmin: false,
        previousSecret: null,
      });
      const shown = ApiKeySchema.parse(await (await api(alice.token)(`/keys/${key.id}`)).json());
      expect(shown.scopes).toEqual(key.scopes);
      expect(shown.allowedIps).toEqual(key.allowedIps);
    });

    it('shows null for a key without scopes or allow-list, and null clears them', async () => {
      const key = await createAs(alice.token, { scopes: [{ route: 'default' }], allowedIps: ['127.0.0.1'] });
      const res = await patchAs(alice.token, key.id, { scopes: null, allowedIps: null });
      expect(res.status).toBe(200);
      expect(ApiKeySchema.parse(await res.json())).toMatchObject({ scopes: null, allowedIps: null });
    });

    it.each([
      {
        body: { allowedIps: ['10.0.0.0/33'] },
        path: 'allowedIps.0',
        message: 'must be an IPv4 or IPv6 address or CIDR subnet',
      },
      {
        body: { allowedIps: ['not-an-ip'] },
        path: 'allowedIps.0',
        message: 'must be an IPv4 or IPv6 address or CIDR subnet',
      },
      {
        body: { allowedIps: ['1.2.3.4', 'fe80::1%eth0'] },
        path: 'allowedIps.1',
        message: 'must be an IPv4 or IPv6 address',
      },
      { body: { allowedIps: [] }, path: 'allowedIps', message: 'must list at least one address' },
      {
        body: { allowedIps: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) },
        path: 'allowedIps',
        message: 'must list at most 100',
      },
      { body: { allowedIps: '10.0.0.0/8' }, path: 'allowedIps', message: 'must be a list of addresses' },
      { body: { scopes: [] }, path: 'scopes', message: 'must list at least one route' },
      { body: { scopes: [{ route: 'a' }, { route: 'a' }] }, path: 'scopes.1.route', message: 'lists route "a" twice' },
      { body: { scopes: [{ route: 'a b' }] }, path: 'scopes.0.route', message: 'must be 1–63 lowercase letters' },
      {
        body: { scopes: [{ route: 'a', methods: ['FETCH'] }] },
        path: 'scopes.0.methods.0',
        message: 'must be one of GET',
      },
      {
        body: { scopes: [{ route: 'a', methods: [] }] },
        path: 'scopes.0.methods',
        message: 'must list at least one method',
      },
      { body: { scopes: [{ route: 'a', extra: 1 }] }, path: 'scopes.0', message: 'unknown field(s): extra' },
      { body: { scopes: { route: 'a' } }, path: 'scopes', message: 'must be a list of {route, methods?}' },
    ])('refuses a bad $path: $message', async ({ body, path, message }) => {
      for (const res of [
        await api(alice.token)('/keys', { method: 'POST', body }),
        await patchAs(alice.token, (await createAs(alice.token)).id, body),
      ]) {
        const problem = await expectProblem(res, 400, 'VALIDATION_FAILED');
        expect(problem.errors).toContainEqual({ path, message: expect.stringContaining(message) });
      }
    });
  });

  describe('who may restrict a key', () => {
    it('lets an owner widen or clear what they set themselves', async () => {
      const key = await createAs(alice.token, { scopes: [{ route: 'a', methods: ['GET'] }], allowedIps: ['10.0.0.1'] });
      const res = await patchAs(alice.token, key.id, { scopes: [{ route: 'a' }, { route: 'b' }], allowedIps: null });
      expect(res.status).toBe(200);
    });

    it('marks a key an admin restricted, and lets its owner only narrow that', async () => {
      const key = await createAs(alice.token);
      const restricted = await patchAs(gw.adminToken, key.id, {
        scopes: [{ route: 'a', methods: ['GET', 'POST'] }, { route: 'b' }],
        allowedIps: ['10.0.0.0/8', '2001:db8::/32'],
      });
      expect(ApiKeySchema.parse(await restricted.json()).restrictedByAdmin).toBe(true);
      const narrower = { scopes: [{ route: 'a', methods: ['GET'] }], allowedIps: ['10.1.0.0/16', '2001:db8:1::1'] };
      expect((await patchAs(alice.token, key.id, narrower)).status).toBe(200);
      for (const wider of [
        { scopes: null },
        { scopes: [{ route: 'a' }] },
        { scopes: [{ route: 'c' }] },
        { allowedIps: null },
        { allowedIps: ['10.0.0.0/8'] },
        { allowedIps: ['10.1.0.0/16', '192.0.2.1'] },
      ]) {
        const problem = await expectProblem(await patchAs(alice.token, key.id, wider), 403, 'FORBIDDEN');
        expect(problem.detail).toMatch(/An admin restricted this key: you may only narrow its/);
      }
      // Other fields stay the owner's to change.
      expect((await patchAs(alice.token, key.id, { name: 'renamed' })).status).toBe(200);
      // An admin lifting every restriction hands the key back.
      const lifted = await patchAs(gw.adminToken, key.id, { scopes: null, allowedIps: null });
      expect(ApiKeySchema.parse(await lifted.json()).restrictedByAdmin).toBe(false);
      expect((await patchAs(alice.token, key.id, { scopes: [{ route: 'z' }] })).status).toBe(200);
    });

    it('marks a key an admin creates with restrictions', async () => {
      const key = await createAs(gw.adminToken, { userId: bob.userId, allowedIps: ['10.0.0.1'] });
      expect(key.restrictedByAdmin).toBe(true);
      await expectProblem(await patchAs(bob.token, key.id, { allowedIps: null }), 403, 'FORBIDDEN');
    });

    it('audits scope and allow-list changes', async () => {
      const key = await createAs(alice.token);
      expect((await patchAs(alice.token, key.id, { allowedIps: ['10.0.0.1'] })).status).toBe(200);
      const audit = (await (await api(gw.adminToken)(`/audit?targetId=${key.id}&action=key.update`)).json()) as {
        data: { changes: Record<string, unknown> }[];
      };
      expect(audit.data[0]?.changes).toEqual({ allowedIps: { from: null, to: ['10.0.0.1'] } });
    });
  });

  describe('POST /keys/:id/roll', () => {
    it('issues a new secret for the same key, stores only hashes, and shows the old one as previousSecret', async () => {
      const key = await createAs(alice.token, { name: 'rolled', limitPerMinute: 7 });
      const res = await api(alice.token)(`/keys/${key.id}/roll`, { method: 'POST', body: { graceSeconds: 3600 } });
      expect(res.status).toBe(200);
      const rolled = CreatedApiKeySchema.parse(await res.json());
      expect(rolled).toMatchObject({ id: key.id, name: 'rolled', limitPerMinute: 7, createdAt: key.createdAt });
      expect(rolled.key.startsWith(rolled.start)).toBe(true);
      expect(rolled.previousSecret).toMatchObject({ start: key.start, lastUsedAt: null });
      const row = await gw.gateway.services.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(row.keyHash).toBe(hashApiKey(rolled.key));
      expect(row.previousKeyHash).toBe(hashApiKey(key.key));
      // Never shown again.
      const shown = await (await api(alice.token)(`/keys/${key.id}`)).text();
      expect(shown).not.toContain(rolled.key);
      expect(shown).not.toContain(row.keyHash);
      expect(shown).not.toContain(row.previousKeyHash!);
    });

    it.each([
      { body: {}, path: 'graceSeconds', message: 'must be a number of seconds' },
      { body: { graceSeconds: -1 }, path: 'graceSeconds', message: 'must be at least 0' },
      { body: { graceSeconds: 1.5 }, path: 'graceSeconds', message: 'must be a whole number' },
      { body: { graceSeconds: '60' }, path: 'graceSeconds', message: 'must be a number of seconds' },
      {
        body: { graceSeconds: MAX_ROLL_GRACE_SECONDS + 1 },
        path: 'graceSeconds',
        message: 'must be at most 2592000 (30 days)',
      },
      { body: { graceSeconds: 60, key: 'ak_mine' }, path: '(body)', message: 'unknown field(s): key' },
    ])('refuses $path: $message', async ({ body, path, message }) => {
      const key = await createAs(alice.token);
      const res = await api(alice.token)(`/keys/${key.id}/roll`, { method: 'POST', body });
      const problem = await expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors).toContainEqual({ path, message });
    });

    it("answers 404 for another user's key and for an id that is not one", async () => {
      const key = await createAs(alice.token);
      const body = { graceSeconds: 60 };
      await expectProblem(await api(bob.token)(`/keys/${key.id}/roll`, { method: 'POST', body }), 404, 'NOT_FOUND');
      await expectProblem(
        await api(bob.token)(`/keys/${key.id}/previous-secret`, { method: 'DELETE' }),
        404,
        'NOT_FOUND',
      );
      await expectProblem(await api(alice.token)('/keys/nope/roll', { method: 'POST', body }), 404, 'NOT_FOUND');
    });

    it('lets the admin roll any key', async () => {
      const key = await createAs(bob.token);
      const res = await api(gw.adminToken)(`/keys/${key.id}/roll`, { method: 'POST', body: { graceSeconds: 0 } });
      expect(res.status).toBe(200);
      expect(CreatedApiKeySchema.parse(await res.json()).previousSecret).toBeNull();
    });
  });
});
