import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionToken } from '../../src/auth/session-token.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { startUpstream } from '../support/upstream.js';

const DASHBOARD = 'https://dashboard.example.com';

/** The management routes that need credentials, with a body where they take one. */
function protectedRoutes(keyId: string): [method: string, path: string, body?: string][] {
  return [
    ['GET', '/auth/session'],
    ['DELETE', '/auth/session'],
    ['GET', '/users/by-email?email=someone@example.com'],
    ['POST', '/keys', '{}'],
    ['GET', '/keys'],
    ['GET', `/keys/${keyId}`],
    ['PATCH', `/keys/${keyId}`, '{"active":false}'],
    ['DELETE', `/keys/${keyId}`],
    ['GET', `/usage/${keyId}`],
  ];
}

describe('access control', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let user: { token: string; userId: string };
  let keyId: string;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { DASHBOARD_ORIGIN: DASHBOARD },
    });
    user = await login(gw, 'access@example.com');
    const res = await as(gw, user.token)('/keys', { method: 'POST', body: {} });
    keyId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  describe('without valid credentials', () => {
    const credentials: [string, Record<string, string>][] = [
      ['none', {}],
      ['a wrong bearer token', { authorization: 'Bearer wrong' }],
      ['the admin token with a wrong scheme', { authorization: 'Basic ' }],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['a forged session cookie', { cookie: `gw_session=${randomUUID()}.9999999999.forged` }],
      ['the admin token as a cookie', { cookie: 'gw_session=ADMIN' }],
    ];

    it.each(credentials)('answers 401 on every route but POST /users (%s)', async (_name, headers) => {
      const answers: string[] = [];
      for (const [method, path, body] of protectedRoutes(keyId)) {
        const h = { ...headers };
        if (h.cookie === 'gw_session=ADMIN') h.cookie = `gw_session=${gw.adminToken}`;
        if (body) h['content-type'] = 'application/json';
        const res = await fetch(gw.managementUrl + path, { method, headers: h, body });
        const problem = await expectProblem(res, 401);
        // The same answer whether or not the resource exists: nothing to learn from a 401.
        answers.push(`${problem.code} ${problem.detail.replace(/\d+/g, '')}`);
      }
      expect(new Set(answers).size).toBeLessThanOrEqual(2);
      // The key was neither changed nor deleted by any of that.
      expect(await (await gw.admin(`/keys/${keyId}`)).json()).toMatchObject({ id: keyId, active: true });
    });

    it('answers 401 alike for an existing and a missing key', async () => {
      const a = await expectProblem(await fetch(`${gw.managementUrl}/keys/${keyId}`), 401);
      const b = await expectProblem(await fetch(`${gw.managementUrl}/keys/${randomUUID()}`), 401);
      expect({ ...a, requestId: '' }).toEqual({ ...b, requestId: '' });
    });
  });

  describe('sessions', () => {
    it('refuses a token signed with another secret', async () => {
      const session = (await gw.gateway.services.db.sql.query<{ id: string }>('SELECT id FROM sessions LIMIT 1'))
        .rows[0]!;
      const foreign = signSessionToken('another-secret-'.repeat(4), session.id, new Date(Date.now() + 3_600_000));
      await expectProblem(await as(gw, foreign)('/auth/session'), 401);
    });

    it('refuses a correctly signed token once its own expiry has passed', async () => {
      const { token } = await login(gw, 'expiring@example.com');
      const sessionId = token.split('.')[0]!;
      const secret = gw.gateway.services.config.SESSION_SECRET;
      const expired = signSessionToken(secret, sessionId, new Date(Date.now() - 1_000));
      await expectProblem(await as(gw, expired)('/auth/session'), 401);
      // The genuine token still works: only the expired one is refused.
      expect((await as(gw, token)('/auth/session')).status).toBe(200);
    });

    it('refuses a validly signed token whose session expired in the database', async () => {
      const { token } = await login(gw, 'db-expired@example.com');
      await gw.gateway.services.db.sql.query(
        `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [token.split('.')[0]],
      );
      await expectProblem(await as(gw, token)('/auth/session'), 401);
    });

    it('refuses a validly signed token for a session that never existed', async () => {
      const secret = gw.gateway.services.config.SESSION_SECRET;
      const ghost = signSessionToken(secret, randomUUID(), new Date(Date.now() + 3_600_000));
      await expectProblem(await as(gw, ghost)('/auth/session'), 401);
    });

    it('signs out one session as a cookie too, leaving the user’s other sessions alone', async () => {
      const first = await login(gw, 'two-sessions@example.com');
      const second = await login(gw, 'two-sessions@example.com');
      const cookie = first.res.headers.get('set-cookie')!.split(';')[0]!;
      const signOut = (origin?: string) =>
        fetch(`${gw.managementUrl}/auth/session`, {
          method: 'DELETE',
          headers: { cookie, ...(origin ? { origin } : {}) },
        });
      // A cookie alone is not enough to change anything: the request must come from the dashboard.
      await expectProblem(await signOut(), 403, 'ORIGIN_NOT_ALLOWED');
      await expectProblem(await signOut(gw.url), 403, 'ORIGIN_NOT_ALLOWED');
      expect((await signOut(DASHBOARD)).status).toBe(204);
      await expectProblem(await fetch(`${gw.managementUrl}/keys`, { headers: { cookie } }), 401);
      expect((await as(gw, second.token)('/keys')).status).toBe(200);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      fetch(`${gw.managementUrl}/keys/${keyId}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization, content-type',
        },
      });

    it('allows the dashboard origin, with credentials', async () => {
      const res = await preflight(DASHBOARD);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(res.headers.get('vary')?.toLowerCase()).toContain('origin');
    });

    it.each([
      'https://evil.example.com',
      `${DASHBOARD}.evil.example.com`,
      'https://dashboard.example.com:8443',
      'http://dashboard.example.com',
      'null',
    ])('allows no other origin: %s', async (origin) => {
      const res = await preflight(origin);
      // Without a matching Access-Control-Allow-Origin the browser refuses the response (the cors
      // package still sends Allow-Credentials: true, which means nothing on its own).
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const actual = await fetch(`${gw.managementUrl}/auth/session`, {
        headers: { origin, authorization: `Bearer ${user.token}` },
      });
      expect(actual.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('security headers', () => {
    it.each([
      ['a 200', () => as(gw, user.token)('/auth/session')],
      ['a 401', () => fetch(`${gw.managementUrl}/keys`)],
      ['a 404', () => fetch(`${gw.url}/nope`)],
      ['a 400', () => as(gw, user.token)('/keys', { method: 'POST', rawBody: '{' })],
      ['a 415', () => as(gw, undefined)('/users', { method: 'POST', rawBody: 'x', contentType: 'text/plain' })],
    ])('are on every management response (%s)', async (_name, send) => {
      const res = await send();
      const h = res.headers;
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('content-security-policy')).toContain("default-src 'none'");
      expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(h.get('x-frame-options')).toBeTruthy();
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('cross-origin-resource-policy')).toBe('same-site');
      expect(h.get('cache-control')).toBe('no-store');
      expect(h.get('x-powered-by')).toBeNull();
      expect(h.get('x-request-id')).toBeTruthy();
      // HSTS only where cookies are Secure (production); see the next describe.
      expect(h.get('strict-transport-security')).toBeNull();
    });

    it('puts nosniff and no-store on the proxy’s own problem answers, and leaves upstream answers alone', async () => {
      const refused = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': 'nope' } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
      expect(refused.headers.get('cache-control')).toBe('no-store');
      const key = (await (await as(gw, user.token)('/keys', { method: 'POST', body: {} })).json()) as { key: string };
      const passed = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key.key } });
      expect(passed.status).toBe(200);
      // The upstream's response is its own: the gateway adds no CSP or framing policy to it.
      expect(passed.headers.get('content-security-policy')).toBeNull();
    });
  });
});

describe('cookies and HSTS in production', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let smtp: TestSmtpServer;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    // Production mails sign-in links for real: it refuses to start without SMTP_URL (or OIDC).
    smtp = await startSmtpServer();
    gw = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      smtp,
      env: { NODE_ENV: 'production' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await smtp?.close();
  });

  it('sets the session cookie Secure, HttpOnly, SameSite=Lax, and clears it the same way', async () => {
    const { res, token } = await login(gw, 'prod@example.com');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^gw_session=[^;]+;/);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    const out = await as(gw, token)('/auth/session', { method: 'DELETE' });
    expect(out.headers.get('set-cookie')).toMatch(/gw_session=;.*Secure/i);
  });

  it('sends HSTS on both listeners', async () => {
    expect((await fetch(`${gw.managementUrl}/health`)).headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const res = await fetch(`${gw.url}/health`);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});

describe('cookies in development', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url, env: { NODE_ENV: 'development' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('are not Secure (http://localhost must work) but still HttpOnly and SameSite', async () => {
    const cookie = (await login(gw, 'dev@example.com')).res.headers.get('set-cookie') ?? '';
    expect(cookie).not.toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
  });
});
