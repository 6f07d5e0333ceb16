import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, expectProblem, login } from '../support/management.js';
import { startUpstream } from '../support/upstream.js';

describe.each(['postgres', 'pglite'] as Backend[])('users and sessions (%s)', (backend) => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  describe('POST /users', () => {
    it('creates a user on first sign-in (201) and returns the same one afterwards (200)', async () => {
      const first = await login(gw, 'Grace@Example.COM');
      expect(first.res.status).toBe(201);
      const again = await login(gw, 'grace@example.com');
      expect(again.res.status).toBe(200);
      expect(again.userId).toBe(first.userId);
      const body = (await again.res.json()) as { user: { email: string }; expiresAt: string };
      expect(body.user.email).toBe('grace@example.com');
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    });

    it('sets an HttpOnly, SameSite session cookie that authenticates', async () => {
      const { res } = await login(gw, 'cookie@example.com');
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^gw_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      const session = await fetch(`${gw.managementUrl}/auth/session`, { headers: { cookie: cookie.split(';')[0]! } });
      expect(session.status).toBe(200);
      expect(((await session.json()) as { user: { email: string } }).user.email).toBe('cookie@example.com');
    });

    it.each([
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['a missing email', {}, 'email'],
      ['a wrongly typed email', { email: 42 }, 'email'],
      ['an unknown field', { email: 'x@example.com', admin: true }, '(body)'],
      ['an over-long email', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
      ['an array body', [{ email: 'x@example.com' }], '(body)'],
    ])('answers 400 problem+json for %s', async (_name, body, path) => {
      const problem = await expectProblem(
        await as(gw, undefined)('/users', { method: 'POST', body }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    });

    it('answers 400 for broken JSON', async () => {
      await expectProblem(
        await as(gw, undefined)('/users', { method: 'POST', rawBody: '{"email": ' }),
        400,
        'INVALID_JSON',
      );
    });

    it('answers 400 for an empty body', async () => {
      const res = await fetch(`${gw.managementUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      await expectProblem(res, 400, 'VALIDATION_FAILED');
    });

    it('answers 413 for an oversized body', async () => {
      const rawBody = JSON.stringify({ email: 'x@example.com', pad: 'x'.repeat(200_000) });
      await expectProblem(await as(gw, undefined)('/users', { method: 'POST', rawBody }), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await as(gw, undefined)('/users', {
        method: 'POST',
        rawBody: 'email=x@example.com',
        contentType: 'application/x-www-form-urlencoded',
      });
      await expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('GET /users/by-email', () => {
    it('finds any user with the admin token', async () => {
      const { userId } = await login(gw, 'lookup@example.com');
      const res = await gw.admin('/users/by-email?email=LOOKUP@example.com');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: userId, email: 'lookup@example.com' });
    });

    it('lets a session find itself but answers 404 for another user', async () => {
      const a = await login(gw, 'self-a@example.com');
      await login(gw, 'self-b@example.com');
      expect((await as(gw, a.token)('/users/by-email?email=self-a@example.com')).status).toBe(200);
      await expectProblem(await as(gw, a.token)('/users/by-email?email=self-b@example.com'), 404, 'NOT_FOUND');
    });

    it('answers 404 for an unknown email and 400 for a malformed or missing one', async () => {
      await expectProblem(await gw.admin('/users/by-email?email=nobody@example.com'), 404);
      await expectProblem(await gw.admin('/users/by-email?email=nope'), 400, 'VALIDATION_FAILED');
      await expectProblem(await gw.admin('/users/by-email'), 400, 'VALIDATION_FAILED');
      await expectProblem(await gw.admin('/users/by-email?email=a@example.com&email=b@example.com'), 400);
      await expectProblem(await gw.admin('/users/by-email?email=a@example.com&x=1'), 400);
    });

    it('answers 401 without a token or with a bad one', async () => {
      await expectProblem(
        await fetch(`${gw.managementUrl}/users/by-email?email=lookup@example.com`),
        401,
        'UNAUTHORIZED',
      );
      await expectProblem(await as(gw, 'wrong-token')('/users/by-email?email=lookup@example.com'), 401);
      const res = await fetch(`${gw.managementUrl}/users/by-email?email=x@example.com`, {
        headers: { authorization: 'Basic abc' },
      });
      await expectProblem(res, 401);
    });
  });

  describe('GET and DELETE /session', () => {
    it('describes the admin token as the admin role', async () => {
      expect(await (await gw.admin('/session')).json()).toEqual({ user: null, role: 'admin', expiresAt: null });
    });

    it('signs out: the token stops working at once and the cookie is cleared', async () => {
      const { token } = await login(gw, 'logout@example.com');
      expect((await as(gw, token)('/session')).status).toBe(200);
      const out = await as(gw, token)('/session', { method: 'DELETE' });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/gw_session=;.*Expires=Thu, 01 Jan 1970/i);
      await expectProblem(await as(gw, token)('/session'), 401, 'UNAUTHORIZED');
      await expectProblem(await as(gw, token)('/keys'), 401, 'UNAUTHORIZED');
    });

    it('refuses a tampered session token', async () => {
      const { token } = await login(gw, 'tamper@example.com');
      const [id, exp, sig] = token.split('.');
      await expectProblem(await as(gw, `${id}.${Number(exp) + 1000}.${sig}`)('/session'), 401);
    });
  });
});
