import { ListUsersResponseSchema, UserSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const ADMIN = 'ops@example.com';

describe.each(['postgres', 'pglite'] as Backend[])('users and roles (%s)', (backend) => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let admin: { token: string; userId: string };
  let user: { token: string; userId: string };

  const createUser = (body: unknown, token?: string) =>
    token
      ? as(gw, token)('/users', { method: 'POST', body })
      : gw.admin('/users', { method: 'POST', body: JSON.stringify(body) });

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url, env: { ADMIN_EMAILS: ADMIN } });
    admin = await login(gw, ADMIN);
    user = await login(gw, 'consumer@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  describe('POST /users', () => {
    it('creates a user without signing in as them (201), then finds the same one (200)', async () => {
      const first = await createUser({ email: 'Grace@Example.COM' });
      expect(first.status).toBe(201);
      expect(first.headers.get('set-cookie')).toBeNull();
      const body = (await first.json()) as { user: unknown; token?: string };
      expect(body.token).toBeUndefined();
      const created = UserSchema.parse(body.user);
      expect(created).toMatchObject({ email: 'grace@example.com', role: 'user', lastSignInAt: null });
      const again = await createUser({ email: 'grace@example.com' }, admin.token);
      expect(again.status).toBe(200);
      expect(((await again.json()) as { user: { id: string } }).user.id).toBe(created.id);
    });

    it('may create an admin', async () => {
      const res = await createUser({ email: 'second-admin@example.com', role: 'admin' });
      expect(((await res.json()) as { user: { role: string } }).user.role).toBe('admin');
    });

    it('is for admins only: a user gets 403, nobody 401', async () => {
      await expectProblem(await createUser({ email: 'sneaky@example.com' }, user.token), 403, 'FORBIDDEN');
      await expectProblem(await as(gw, undefined)('/users', { method: 'POST', body: { email: 'x@example.com' } }), 401);
      expect((await gw.admin('/users/by-email?email=sneaky@example.com')).status).toBe(404);
    });

    it.each([
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['a missing email', {}, 'email'],
      ['a wrongly typed email', { email: 42 }, 'email'],
      ['an unknown field', { email: 'x@example.com', admin: true }, '(body)'],
      ['an unknown role', { email: 'x@example.com', role: 'root' }, 'role'],
      ['an over-long email', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
      ['an array body', [{ email: 'x@example.com' }], '(body)'],
    ])('answers 400 problem+json for %s', async (_name, body, path) => {
      const problem = await expectProblem(await createUser(body), 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    });

    it('answers 400 for broken JSON and an empty body, 413 when oversized, 415 when not JSON', async () => {
      await expectProblem(
        await as(gw, gw.adminToken)('/users', { method: 'POST', rawBody: '{"email": ' }),
        400,
        'INVALID_JSON',
      );
      await expectProblem(await as(gw, gw.adminToken)('/users', { method: 'POST' }), 400, 'VALIDATION_FAILED');
      const rawBody = JSON.stringify({ email: 'x@example.com', pad: 'x'.repeat(200_000) });
      await expectProblem(await as(gw, gw.adminToken)('/users', { method: 'POST', rawBody }), 413, 'PAYLOAD_TOO_LARGE');
      const form = { method: 'POST', rawBody: 'email=x@example.com', contentType: 'application/x-www-form-urlencoded' };
      await expectProblem(await as(gw, gw.adminToken)('/users', form), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('GET /users', () => {
    it('lists users newest first with their key counts, searchable and filterable by role', async () => {
      await as(gw, user.token)('/keys', { method: 'POST', body: { name: 'one' } });
      const all = ListUsersResponseSchema.parse(await (await as(gw, admin.token)('/users')).json());
      const consumer = all.data.find((u) => u.email === 'consumer@example.com');
      expect(consumer?.keyCount).toBe(1);
      const created = all.data.map((u) => Date.parse(u.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      const found = ListUsersResponseSchema.parse(await (await gw.admin('/users?search=CONSUMER')).json());
      expect(found.data.map((u) => u.email)).toEqual(['consumer@example.com']);
      const admins = ListUsersResponseSchema.parse(await (await gw.admin('/users?role=admin')).json());
      expect(admins.data.every((u) => u.role === 'admin')).toBe(true);
      expect(admins.data.map((u) => u.email)).toContain(ADMIN);
    });

    it('pages with a cursor, without gaps or repeats', async () => {
      for (let i = 0; i < 5; i++) await createUser({ email: `page-${i}@example.com` });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await gw.admin(`/users?search=page-&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        const page = ListUsersResponseSchema.parse(await res.json());
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((u) => u.email));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `page-${i}@example.com`));
      await expectProblem(await gw.admin('/users?cursor=bm90LWEtY3Vyc29y'), 400, 'VALIDATION_FAILED');
    });

    it('is for admins only', async () => {
      await expectProblem(await as(gw, user.token)('/users'), 403, 'FORBIDDEN');
    });
  });

  describe('GET /users/by-email and /users/:id', () => {
    it('finds any user for an admin; a user may read only themselves', async () => {
      const byEmail = await as(gw, admin.token)('/users/by-email?email=CONSUMER@example.com');
      expect(await byEmail.json()).toMatchObject({ id: user.userId, email: 'consumer@example.com', role: 'user' });
      await expectProblem(await as(gw, user.token)('/users/by-email?email=consumer@example.com'), 403, 'FORBIDDEN');
      expect((await as(gw, user.token)(`/users/${user.userId}`)).status).toBe(200);
      await expectProblem(await as(gw, user.token)(`/users/${admin.userId}`), 404, 'NOT_FOUND');
    });

    it('answers 404 for an unknown email and 400 for a malformed or missing one', async () => {
      await expectProblem(await gw.admin('/users/by-email?email=nobody@example.com'), 404);
      await expectProblem(await gw.admin('/users/by-email?email=nope'), 400, 'VALIDATION_FAILED');
      await expectProblem(await gw.admin('/users/by-email'), 400, 'VALIDATION_FAILED');
      await expectProblem(await gw.admin('/users/by-email?email=a@example.com&email=b@example.com'), 400);
      await expectProblem(await gw.admin('/users/by-email?email=a@example.com&x=1'), 400);
    });
  });

  describe('PATCH /users/:id (roles)', () => {
    it('promotes and demotes; the promoted user can act as an admin at once', async () => {
      const target = await login(gw, 'promote-me@example.com');
      await expectProblem(await as(gw, target.token)('/users'), 403);
      const promoted = await as(gw, admin.token)(`/users/${target.userId}`, {
        method: 'PATCH',
        body: { role: 'admin' },
      });
      expect(await promoted.json()).toMatchObject({ role: 'admin' });
      expect((await as(gw, target.token)('/users')).status).toBe(200);
      await as(gw, admin.token)(`/users/${target.userId}`, { method: 'PATCH', body: { role: 'user' } });
      await expectProblem(await as(gw, target.token)('/users'), 403);
    });

    it('never demotes the last admin', async () => {
      const solo = await startTestGateway({
        backend,
        upstreamUrl: upstream.url,
        env: { ADMIN_EMAILS: 'solo@example.com' },
      });
      try {
        const only = await login(solo, 'solo@example.com');
        const problem = await expectProblem(
          await as(solo, only.token)(`/users/${only.userId}`, { method: 'PATCH', body: { role: 'user' } }),
          409,
          'CONFLICT',
        );
        expect(problem.detail).toMatch(/last admin/);
        expect((await as(solo, only.token)('/users')).status).toBe(200);
      } finally {
        await solo.stop();
      }
    });

    it('refuses users, unknown ids and bad bodies', async () => {
      await expectProblem(
        await as(gw, user.token)(`/users/${user.userId}`, { method: 'PATCH', body: { role: 'admin' } }),
        403,
        'FORBIDDEN',
      );
      await expectProblem(
        await gw.admin('/users/00000000-0000-4000-8000-000000000000', { method: 'PATCH', body: '{"role":"admin"}' }),
        404,
      );
      await expectProblem(await gw.admin(`/users/${user.userId}`, { method: 'PATCH', body: '{"role":"god"}' }), 400);
      await expectProblem(await gw.admin(`/users/${user.userId}`, { method: 'PATCH', body: '{}' }), 400);
    });
  });

  describe('DELETE /users/:id/sessions', () => {
    it('signs a user out everywhere (admins)', async () => {
      const target = await login(gw, 'kick@example.com');
      await expectProblem(
        await as(gw, user.token)(`/users/${target.userId}/sessions`, { method: 'DELETE' }),
        403,
        'FORBIDDEN',
      );
      expect((await as(gw, admin.token)(`/users/${target.userId}/sessions`, { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await as(gw, target.token)('/auth/session'), 401);
    });
  });
});
