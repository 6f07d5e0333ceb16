import { createHash, randomUUID } from 'node:crypto';
import {
  ApiTokenSchema,
  CreatedApiTokenSchema,
  ListTokensResponseSchema,
  SessionResponseSchema,
} from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createKeyFor, createUser, revokeApiToken } from '../support/credentials.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const ADMIN = 'tokens-admin@example.com';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(['postgres', 'pglite'] as Backend[])('management API tokens (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let admin: { token: string; userId: string };
  let owner: string;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url, env: { ADMIN_EMAILS: ADMIN } });
    admin = await login(gw, ADMIN);
    owner = await createUser(gw, `token-owner-${backend}@example.com`);
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const prisma = () => gw.gateway.services.db.prisma;

  describe('POST /tokens', () => {
    it('shows the raw gwt_ token once, and stores only its hash', async () => {
      const res = await as(gw, admin.token)('/tokens', { method: 'POST', body: { name: 'ci deploy', scope: 'write' } });
      expect(res.status).toBe(201);
      const created = CreatedApiTokenSchema.parse(await res.json());
      expect(created.token).toMatch(/^gwt_[1-9A-HJ-NP-Za-km-z]{30,}$/);
      expect(created).toMatchObject({
        name: 'ci deploy',
        scope: 'write',
        start: created.token.slice(0, 8),
        createdBy: ADMIN,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      const row = await prisma().apiToken.findUniqueOrThrow({ where: { id: created.id } });
      expect(row.tokenHash).toBe(sha256(created.token));
      expect(JSON.stringify(row)).not.toContain(created.token);

      const listed = await (await as(gw, admin.token)('/tokens')).text();
      const entry = ListTokensResponseSchema.parse(JSON.parse(listed)).data.find((t) => t.id === created.id);
      expect(entry).toEqual(ApiTokenSchema.parse({ ...created, token: undefined }));
      expect(Object.keys(entry!)).not.toContain('token');
      const exported = await (await gw.admin('/audit/export')).text();
      for (const place of [listed, gw.logs(), exported]) {
        expect(place).not.toContain(created.token);
        expect(place).not.toContain(row.tokenHash);
      }
      expect(gw.logs()).toContain(created.start);
    });

    it('records who created it: the bootstrap token too', async () => {
      const res = await gw.admin('/tokens', {
        method: 'POST',
        body: JSON.stringify({ name: 'bootstrap-made', scope: 'read' }),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ createdBy: 'bootstrap admin token', scope: 'read' });
    });

    it('keeps a given expiry', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const created = await createApiToken(gw, 'read', { expiresAt });
      expect(created).toMatchObject({ expiresAt });
      const session = SessionResponseSchema.parse(await (await as(gw, created.token)('/auth/session')).json());
      expect(session).toEqual({ user: null, role: 'admin', credential: 'token', scope: 'read', expiresAt });
    });

    it.each([
      ['no body fields', {}, ['name', 'scope']],
      ['an empty name', { name: ' ', scope: 'read' }, ['name']],
      ['a name too long', { name: 'x'.repeat(101), scope: 'read' }, ['name']],
      ['an unknown scope', { name: 'x', scope: 'admin' }, ['scope']],
      ['a scope of the wrong type', { name: 'x', scope: ['read'] }, ['scope']],
      ['an expiry that is no date-time', { name: 'x', scope: 'read', expiresAt: 'tomorrow' }, ['expiresAt']],
      ['an expiry in the past', { name: 'x', scope: 'read', expiresAt: '2020-01-01T00:00:00Z' }, ['expiresAt']],
      ['an unknown field', { name: 'x', scope: 'read', createdBy: 'me' }, ['(body)']],
    ])('answers 400 problem+json for %s', async (_name, body, paths) => {
      const before = await prisma().apiToken.count();
      const problem = await expectProblem(
        await as(gw, admin.token)('/tokens', { method: 'POST', body }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.path).sort()).toEqual(paths);
      expect(await prisma().apiToken.count()).toBe(before);
    });

    it('answers 400 for broken JSON and 415 for another media type', async () => {
      await expectProblem(
        await as(gw, admin.token)('/tokens', { method: 'POST', rawBody: '{"name":' }),
        400,
        'INVALID_JSON',
      );
      await expectProblem(
        await as(gw, admin.token)('/tokens', {
          method: 'POST',
          rawBody: 'name=x&scope=read',
          contentType: 'application/x-www-form-urlencoded',
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });
  });

  describe('scope read', () => {
    let read: { id: string; token: string };
    let keyId: string;

    beforeAll(async () => {
      read = await createApiToken(gw, 'read');
      keyId = await createKeyFor(gw, owner, 'read-only target');
    });

    it.each(['/keys', '/users', '/usage', '/settings', '/tokens', '/audit', '/auth/session'])(
      'may GET %s',
      async (path) => {
        expect((await as(gw, read.token)(path)).status).toBe(200);
      },
    );

    it('may GET one key and its usage', async () => {
      expect(await (await as(gw, read.token)(`/keys/${keyId}`)).json()).toMatchObject({ id: keyId, userId: owner });
      expect((await as(gw, read.token)(`/usage/${keyId}`)).status).toBe(200);
    });

    it.each([
      ['POST', '/keys', () => ({ userId: owner })],
      ['PATCH', '/keys/:key', () => ({ active: false })],
      ['DELETE', '/keys/:key', () => undefined],
      ['POST', '/users', () => ({ email: `by-read-${randomUUID()}@example.com` })],
      ['PATCH', '/users/:owner', () => ({ role: 'admin' })],
      ['DELETE', '/users/:owner/sessions', () => undefined],
      ['PATCH', '/settings', () => ({ maxKeysPerUser: 1 })],
      ['POST', '/tokens', () => ({ name: 'more', scope: 'write' })],
      ['DELETE', '/tokens/:self', () => undefined],
      ['DELETE', '/auth/session', () => undefined],
    ] as [string, string, () => unknown][])(
      'may not %s %s (403 INSUFFICIENT_SCOPE, nothing changes)',
      async (method, template, body) => {
        const path = template.replace(':key', keyId).replace(':owner', owner).replace(':self', read.id);
        const before = await prisma().auditLog.count();
        await expectProblem(await as(gw, read.token)(path, { method, body: body() }), 403, 'INSUFFICIENT_SCOPE');
        expect(await prisma().auditLog.count()).toBe(before);
        expect(await prisma().apiKey.findUnique({ where: { id: keyId } })).toMatchObject({ active: true });
        expect(await prisma().apiToken.findUnique({ where: { id: read.id } })).toMatchObject({ revokedAt: null });
      },
    );
  });

  describe('scope write', () => {
    let write: { id: string; token: string };

    beforeAll(async () => {
      write = await createApiToken(gw, 'write', { name: 'automation' });
    });

    it('may create, change and delete keys for a user', async () => {
      const run = as(gw, write.token);
      const created = await run('/keys', { method: 'POST', body: { userId: owner, name: 'by automation' } });
      expect(created.status).toBe(201);
      const key = (await created.json()) as { id: string; userId: string };
      expect(key.userId).toBe(owner);
      expect(
        (await run(`/keys/${key.id}`, { method: 'PATCH', body: { active: false, limitPerMinute: 5 } })).status,
      ).toBe(200);
      expect(await prisma().apiKey.findUnique({ where: { id: key.id } })).toMatchObject({
        active: false,
        limitPerMinute: 5,
      });
      expect((await run(`/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await prisma().apiKey.findUnique({ where: { id: key.id } })).toBeNull();
    });

    it('must name the user a key is for (a token is nobody)', async () => {
      const problem = await expectProblem(
        await as(gw, write.token)('/keys', { method: 'POST', body: {} }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.path)).toEqual(['userId']);
    });

    it('may create users and change the consumer caps', async () => {
      const run = as(gw, write.token);
      const res = await run('/users', { method: 'POST', body: { email: `by-write-${backend}@example.com` } });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ user: { role: 'user' } });
      const caps = (await (await run('/settings')).json()) as { maxLimitPerDay: number };
      expect((await run('/settings', { method: 'PATCH', body: { maxLimitPerDay: caps.maxLimitPerDay } })).status).toBe(
        200,
      );
    });

    it.each([
      ['create tokens', 'POST', '/tokens', () => ({ name: 'escalate', scope: 'write' })],
      ['revoke tokens', 'DELETE', '/tokens/:other', () => undefined],
      ['revoke itself', 'DELETE', '/tokens/:self', () => undefined],
      ['promote a user', 'PATCH', '/users/:owner', () => ({ role: 'admin' })],
      ['demote an admin', 'PATCH', '/users/:admin', () => ({ role: 'user' })],
      ['create an admin', 'POST', '/users', () => ({ email: `escalate-${randomUUID()}@example.com`, role: 'admin' })],
    ] as [string, string, string, () => unknown][])(
      'may not %s (403 INSUFFICIENT_SCOPE)',
      async (_what, method, template, body) => {
        const other = await createApiToken(gw, 'read', { name: 'bystander' });
        const path = template
          .replace(':other', other.id)
          .replace(':self', write.id)
          .replace(':owner', owner)
          .replace(':admin', admin.userId);
        const tokens = await prisma().apiToken.count();
        await expectProblem(await as(gw, write.token)(path, { method, body: body() }), 403, 'INSUFFICIENT_SCOPE');
        expect(await prisma().apiToken.count()).toBe(tokens);
        expect(await prisma().apiToken.findUnique({ where: { id: other.id } })).toMatchObject({ revokedAt: null });
        expect(await prisma().user.count({ where: { role: 'admin' } })).toBe(1);
        expect((await as(gw, write.token)('/auth/session')).status).toBe(200);
      },
    );
  });

  describe('DELETE /tokens/:id', () => {
    it('revokes at once: the very next request is 401', async () => {
      const token = await createApiToken(gw, 'write');
      expect((await as(gw, token.token)('/keys')).status).toBe(200);
      expect((await as(gw, admin.token)(`/tokens/${token.id}`, { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await as(gw, token.token)('/keys'), 401, 'UNAUTHORIZED');
      await expectProblem(
        await as(gw, token.token)('/keys', { method: 'POST', body: { userId: owner } }),
        401,
        'UNAUTHORIZED',
      );
      const listed = ListTokensResponseSchema.parse(await (await as(gw, admin.token)('/tokens')).json());
      const entry = listed.data.find((t) => t.id === token.id)!;
      expect(Date.parse(entry.revokedAt!)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('is idempotent, and 404 for a token that never existed or a malformed id', async () => {
      const token = await createApiToken(gw, 'read');
      await revokeApiToken(gw, token.id);
      const first = (await prisma().apiToken.findUniqueOrThrow({ where: { id: token.id } })).revokedAt;
      expect((await as(gw, admin.token)(`/tokens/${token.id}`, { method: 'DELETE' })).status).toBe(204);
      // The original revocation time stands.
      expect((await prisma().apiToken.findUniqueOrThrow({ where: { id: token.id } })).revokedAt).toEqual(first);
      await expectProblem(await as(gw, admin.token)(`/tokens/${randomUUID()}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
      await expectProblem(await as(gw, admin.token)('/tokens/not-a-uuid', { method: 'DELETE' }), 404, 'NOT_FOUND');
    });
  });

  describe('expiry and use', () => {
    it('stops working when it expires', async () => {
      const expiresAt = new Date(Date.now() + 1_500).toISOString();
      const token = await createApiToken(gw, 'read', { expiresAt });
      expect((await as(gw, token.token)('/keys')).status).toBe(200);
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now()) + 50));
      await expectProblem(await as(gw, token.token)('/keys'), 401, 'UNAUTHORIZED');
    });

    it('records lastUsedAt on use, at most once a minute', async () => {
      const token = await createApiToken(gw, 'read');
      const lastUsed = async () => (await prisma().apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt;
      expect(await lastUsed()).toBeNull();
      const before = Date.now();
      expect((await as(gw, token.token)('/keys')).status).toBe(200);
      const first = await lastUsed();
      expect(first!.getTime()).toBeGreaterThanOrEqual(before - 5);
      expect(first!.getTime()).toBeLessThanOrEqual(Date.now());
      expect((await as(gw, token.token)('/keys')).status).toBe(200);
      expect(await lastUsed()).toEqual(first);
      // A use more than a minute later is recorded again, and the list shows it.
      await prisma().apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(Date.now() - 120_000) } });
      expect((await as(gw, token.token)('/keys')).status).toBe(200);
      expect((await lastUsed())!.getTime()).toBeGreaterThanOrEqual(before);
      const listed = ListTokensResponseSchema.parse(await (await as(gw, admin.token)('/tokens')).json());
      expect(Date.parse(listed.data.find((t) => t.id === token.id)!.lastUsedAt!)).toBeGreaterThanOrEqual(before);
    });

    it('refuses forged tokens, a token sent as the session cookie, and a token on the proxy', async () => {
      const token = await createApiToken(gw, 'write');
      // Change the last character to another one (a fixed 'x' left one token in 58 unchanged).
      const forged = token.token.slice(0, -1) + (token.token.endsWith('x') ? 'y' : 'x');
      await expectProblem(await as(gw, forged)('/keys'), 401, 'UNAUTHORIZED');
      await expectProblem(await as(gw, 'gwt_')('/keys'), 401, 'UNAUTHORIZED');
      const cookie = await fetch(`${gw.managementUrl}/keys`, { headers: { cookie: `gw_session=${token.token}` } });
      await expectProblem(cookie, 401, 'UNAUTHORIZED');
      // A management token is not an API key: it opens nothing on the proxy listener.
      const proxied = await fetch(`${gw.url}/proxy/anything`, { headers: { 'x-api-key': token.token } });
      expect(proxied.status).toBe(401);
    });
  });
});
