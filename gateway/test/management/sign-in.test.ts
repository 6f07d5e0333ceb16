import { randomBytes } from 'node:crypto';
import { SessionResponseSchema, SignInResponseSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/repositories/sessions.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { linkParams } from '../support/mailbox.js';
import { as } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { startUpstream } from '../support/upstream.js';

const DASHBOARD = 'http://dashboard.test:3000';
const ADMIN = 'root@example.com';
let ipSeq = 0;
// TRUST_PROXY is loopback in tests, so each test can speak from an address of its own.
const nextIp = () => `198.51.100.${++ipSeq}`;

describe.each(['postgres', 'pglite'] as Backend[])('sign-in by mailed link (%s)', (backend) => {
  let gw: TestGateway;
  let smtp: TestSmtpServer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  const ask = (email: string, ip = nextIp()) =>
    fetch(`${gw.managementUrl}/auth/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ email }),
    });
  const verify = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.managementUrl}/auth/email/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  /** Asks for a link and returns it as received by the SMTP server. */
  const linkFor = async (email: string) => {
    const seen = smtp.mails.filter((m) => m.to === email).length;
    expect((await ask(email)).status).toBe(202);
    const mail = await smtp.nextMailTo(email, seen);
    return mail.link!;
  };
  const signIn = async (email: string) => {
    const res = await verify(linkParams(await linkFor(email)));
    expect(res.status).toBe(200);
    return { res, body: SignInResponseSchema.parse(await res.json()) };
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend,
      // The sign-in throttles share the proxy's limiter: Redis with PostgreSQL, in-process when embedded.
      redis: backend === 'postgres',
      upstreamUrl: upstream.url,
      env: { SMTP_URL: smtp.url, ADMIN_EMAILS: ADMIN, DASHBOARD_ORIGIN: DASHBOARD, SIGN_IN_PER_EMAIL_PER_DAY: '5' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await smtp?.close();
  });

  describe('POST /auth/email', () => {
    it('answers 202 alike for known and unknown addresses and mails a one-time link to the dashboard', async () => {
      await signIn('known@example.com');
      const known = await ask('known@example.com');
      const unknown = await ask('stranger@example.com');
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(await known.json()).toEqual(await unknown.json());
      const mail = await smtp.nextMailTo('stranger@example.com', 0);
      expect(mail.subject).toMatch(/sign-in link/i);
      expect(mail.link).toMatch(new RegExp(`^${DASHBOARD}/auth/verify#`));
      expect(linkParams(mail.link!).email).toBe('stranger@example.com');
      expect(linkParams(mail.link!).token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('stores only a hash of the token', async () => {
      const { token } = linkParams(await linkFor('hashed@example.com'));
      const rows = await gw.gateway.services.db.prisma.signInToken.findMany({ where: { email: 'hashed@example.com' } });
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(gw.logs()).not.toContain(token);
    });

    it('limits requests per email with a clear 429 and Retry-After', async () => {
      const email = 'flood@example.com';
      for (let i = 0; i < 3; i++) expect((await ask(email)).status).toBe(202);
      const refused = await expectProblem(await ask(email), 429, 'RATE_LIMITED');
      expect(refused.detail).toMatch(/this email/);
      // A new address does not help: the limit follows the email.
      const again = await ask(email, nextIp());
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('limits requests per client address', async () => {
      const ip = nextIp();
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++) statuses.push((await ask(`spray-${i}@example.com`, ip)).status);
      expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
      expect(statuses.slice(30)).toEqual([429, 429]);
    });

    it('answers 400 problem+json for a malformed email', async () => {
      const problem = await expectProblem(await ask('not-an-email'), 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toEqual(['email']);
    });
  });

  describe('POST /auth/email/verify', () => {
    it('opens a session (token and HttpOnly cookie) for the verified email, creating the user', async () => {
      const { res, body } = await signIn('Ada@Example.com'.toLowerCase());
      expect(body.user).toMatchObject({ email: 'ada@example.com', role: 'user' });
      expect(body.user.lastSignInAt).not.toBeNull();
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^gw_session=[^;]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
      const session = SessionResponseSchema.parse(await (await as(gw, body.token)('/auth/session')).json());
      expect(session).toMatchObject({ role: 'user', credential: 'session', user: { email: 'ada@example.com' } });
    });

    it('refuses a link used twice', async () => {
      const params = linkParams(await linkFor('twice@example.com'));
      expect((await verify(params)).status).toBe(200);
      await expectProblem(await verify(params), 401, 'INVALID_SIGN_IN_LINK');
    });

    it('refuses a token presented with another email, and the token stays usable by its owner', async () => {
      const params = linkParams(await linkFor('owner@example.com'));
      await expectProblem(await verify({ ...params, email: 'thief@example.com' }), 401, 'INVALID_SIGN_IN_LINK');
      expect((await verify(params)).status).toBe(200);
    });

    it('refuses an unknown token and an expired one', async () => {
      await expectProblem(
        await verify({ email: 'x@example.com', token: randomBytes(32).toString('base64url') }),
        401,
        'INVALID_SIGN_IN_LINK',
      );
      const params = linkParams(await linkFor('late@example.com'));
      await gw.gateway.services.db.prisma.signInToken.updateMany({
        where: { email: 'late@example.com' },
        data: { expiresAt: new Date(Date.now() - 1_000) },
      });
      await expectProblem(await verify(params), 401, 'INVALID_SIGN_IN_LINK');
    });

    it('makes ADMIN_EMAILS admins', async () => {
      const { body } = await signIn(ADMIN);
      expect(body.user.role).toBe('admin');
      expect((await as(gw, body.token)('/users')).status).toBe(200);
    });

    it('refuses a verify request from a foreign page (login CSRF) but accepts the dashboard and scripts', async () => {
      const params = linkParams(await linkFor('csrf@example.com'));
      await expectProblem(await verify(params, { origin: 'http://evil.test' }), 403, 'ORIGIN_NOT_ALLOWED');
      expect((await verify(params, { origin: DASHBOARD })).status).toBe(200);
    });
  });

  describe('sessions', () => {
    it('rotates at sign-in: the session the browser carried ends', async () => {
      const first = await signIn('rotate@example.com');
      const cookie = (first.res.headers.get('set-cookie') ?? '').split(';')[0]!;
      const params = linkParams(await linkFor('rotate@example.com'));
      const second = await verify(params, { cookie, origin: DASHBOARD });
      expect(second.status).toBe(200);
      await expectProblem(await as(gw, first.body.token)('/auth/session'), 401, 'UNAUTHORIZED');
    });

    it('ends after SESSION_IDLE_HOURS without use', async () => {
      const { body } = await signIn('idle@example.com');
      expect((await as(gw, body.token)('/auth/session')).status).toBe(200);
      await gw.gateway.services.db.prisma.session.updateMany({
        where: { user: { email: 'idle@example.com' } },
        data: { lastSeenAt: new Date(Date.now() - 25 * 3_600_000) },
      });
      await expectProblem(await as(gw, body.token)('/auth/session'), 401, 'UNAUTHORIZED');
    });

    it('signs out one session, or all of them', async () => {
      const a = await signIn('many@example.com');
      const b = await signIn('many@example.com');
      const c = await signIn('many@example.com');
      const out = await as(gw, a.body.token)('/auth/session', { method: 'DELETE' });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/gw_session=;.*Expires=Thu, 01 Jan 1970/i);
      await expectProblem(await as(gw, a.body.token)('/auth/session'), 401);
      expect((await as(gw, b.body.token)('/auth/session')).status).toBe(200);
      expect((await as(gw, b.body.token)('/auth/sessions', { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await as(gw, b.body.token)('/keys'), 401);
      await expectProblem(await as(gw, c.body.token)('/keys'), 401);
    });

    it('refuses a tampered session token', async () => {
      const { body } = await signIn('tamper@example.com');
      const [id, exp, sig] = body.token.split('.');
      await expectProblem(await as(gw, `${id}.${Number(exp) + 1000}.${sig}`)('/auth/session'), 401);
    });

    it('purges ended sessions and sign-in tokens', async () => {
      const { prisma } = gw.gateway.services.db;
      const { body } = await signIn('purge@example.com');
      await prisma.session.updateMany({
        where: { user: { email: 'purge@example.com' } },
        data: { expiresAt: new Date(Date.now() - 2 * 86_400_000) },
      });
      await prisma.signInToken.updateMany({
        where: { email: 'purge@example.com' },
        data: { expiresAt: new Date(Date.now() - 2 * 86_400_000) },
      });
      const purged = await purgeExpired(prisma, { ttlHours: 168, idleHours: 24 });
      expect(purged.sessions).toBeGreaterThanOrEqual(1);
      expect(purged.signInTokens).toBeGreaterThanOrEqual(1);
      expect(await prisma.session.count({ where: { user: { email: 'purge@example.com' } } })).toBe(0);
      await expectProblem(await as(gw, body.token)('/auth/session'), 401);
    });
  });

  it('describes the bootstrap token', async () => {
    expect(await (await gw.admin('/auth/session')).json()).toEqual({
      user: null,
      role: 'admin',
      credential: 'bootstrap',
      scope: 'write',
      expiresAt: null,
    });
  });

  it('answers the session status with 200 whether or not the caller is signed in (no console error)', async () => {
    const status = (headers: Record<string, string> = {}) =>
      fetch(`${gw.managementUrl}/auth/session/status`, { headers });
    const anonymous: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-session' },
      { cookie: 'gw_session=forged' },
    ];
    for (const headers of anonymous) {
      const res = await status(headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(await res.json()).toEqual({ signedIn: false });
    }
    const { body } = await signIn('status@example.com');
    const signedIn = await status({ authorization: `Bearer ${body.token}` });
    expect(await signedIn.json()).toEqual({
      signedIn: true,
      session: await (await as(gw, body.token)('/auth/session')).json(),
    });
  });

  it('says which sign-in methods exist', async () => {
    expect(await (await fetch(`${gw.managementUrl}/auth/providers`)).json()).toEqual({
      email: { enabled: true, devMailbox: false },
      oidc: null,
    });
  });
});

describe('sign-in edge cases (pglite)', () => {
  it('with SIGN_UP=closed mails only known users, but answers 202 alike', async () => {
    const smtp = await startSmtpServer();
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const gw = await startTestGateway({
      backend: 'pglite',
      upstreamUrl: upstream.url,
      env: { SMTP_URL: smtp.url, SIGN_UP: 'closed' },
    });
    try {
      expect(
        (await gw.admin('/users', { method: 'POST', body: JSON.stringify({ email: 'member@example.com' }) })).status,
      ).toBe(201);
      const post = (email: string) =>
        fetch(`${gw.managementUrl}/auth/email`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        });
      expect((await post('outsider@example.com')).status).toBe(202);
      expect((await post('member@example.com')).status).toBe(202);
      await smtp.nextMailTo('member@example.com', 0);
      expect(smtp.mails.map((m) => m.to)).toEqual(['member@example.com']);
    } finally {
      await gw.stop();
      await upstream.close();
      await smtp.close();
    }
  });

  it('answers 503 when the mail server is down, and writes the link to the dev mailbox without one', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const down = await startTestGateway({
      backend: 'pglite',
      upstreamUrl: upstream.url,
      env: { SMTP_URL: 'smtp://127.0.0.1:9' },
    });
    const dev = await startTestGateway({ backend: 'pglite', upstreamUrl: upstream.url });
    try {
      const body = JSON.stringify({ email: 'mail@example.com' });
      const headers = { 'content-type': 'application/json' };
      const failed = await fetch(`${down.managementUrl}/auth/email`, { method: 'POST', headers, body });
      await expectProblem(failed, 503, 'SERVICE_UNAVAILABLE');
      expect((await fetch(`${dev.managementUrl}/auth/email`, { method: 'POST', headers, body })).status).toBe(202);
      const { nextMailTo } = await import('../support/mailbox.js');
      const mail = await nextMailTo(dev.dataDir, 'mail@example.com');
      expect(dev.logs()).toContain(mail.link!);
      expect(await (await fetch(`${dev.managementUrl}/auth/providers`)).json()).toMatchObject({
        email: { devMailbox: true },
      });
    } finally {
      await down.stop();
      await dev.stop();
      await upstream.close();
    }
  });
});
