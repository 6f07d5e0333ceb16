import { randomUUID } from 'node:crypto';
import { type AuditEntry, AuditEntrySchema, ListAuditResponseSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createUser, openSession } from '../support/credentials.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { linkParams, nextMailTo, readDevMailbox } from '../support/mailbox.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const DASHBOARD = 'https://dashboard.example.com';
const OPS = 'ops@example.com';
const ADMIN_EMAILS = [OPS, 'boss@example.com', 'promoted@example.com'];

/** Where a request comes from, and what its audit entry must say about that. */
interface Origin {
  headers: Record<string, string>;
  expected: { ip: string; userAgent: string; requestId: string };
}

describe.each(['postgres', 'pglite'] as Backend[])('audit log (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let ops: { token: string; userId: string };
  /** Every secret the tests saw: none may ever show up in the audit log. */
  const secrets = new Set<string>();
  let seq = 0;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend,
      upstreamUrl: upstream.url,
      env: { DASHBOARD_ORIGIN: DASHBOARD, ADMIN_EMAILS: ADMIN_EMAILS.join(',') },
    });
    secrets.add(gw.adminToken);
    ops = await signIn(OPS, from('setup'));
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const prisma = () => gw.gateway.services.db.prisma;

  /** A distinct client address, user agent and request id for one request. */
  function from(name: string): Origin {
    const n = ++seq;
    const ip = `203.0.113.${n % 250}`;
    const userAgent = `audit-test/1.0 (${name})`;
    const requestId = `audit-${backend}-${name}-${n}`;
    return {
      headers: { 'x-forwarded-for': ip, 'user-agent': userAgent, 'x-request-id': requestId },
      expected: { ip, userAgent, requestId },
    };
  }

  function call(token: string | undefined, method: string, path: string, body?: unknown, origin?: Origin) {
    const headers: Record<string, string> = { ...origin?.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(gw.managementUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Signs in through the mailed link, both requests coming from `origin`. */
  async function signIn(email: string, origin: Origin): Promise<{ token: string; userId: string }> {
    const seen = (await readDevMailbox(gw.dataDir)).filter((m) => m.to === email).length;
    const asked = await call(undefined, 'POST', '/auth/email', { email }, origin);
    expect(asked.status).toBe(202);
    const mail = await nextMailTo(gw.dataDir, email, seen);
    const params = linkParams(mail.link!);
    secrets.add(params.token);
    const res = await call(undefined, 'POST', '/auth/email/verify', params, origin);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { token: string; user: { id: string } };
    secrets.add(body.token);
    return { token: body.token, userId: body.user.id };
  }

  async function lastId(): Promise<bigint> {
    return (await prisma().auditLog.aggregate({ _max: { id: true } }))._max.id ?? 0n;
  }

  function expectNoSecrets(what: unknown): void {
    const text = JSON.stringify(what, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of secrets) expect(text, 'a secret in the audit log').not.toContain(secret);
  }

  /**
   * Runs a change and returns the one entry it appended (as `GET /audit` shows it), after checking
   * that there is exactly one, that it records where the request came from, and holds no secret.
   */
  async function onlyEntryOf(change: (origin: Origin) => Promise<Response>, status: number): Promise<AuditEntry> {
    const origin = from('change');
    const before = await lastId();
    const res = await change(origin);
    expect(res.status, await res.clone().text()).toBe(status);
    const rows = await prisma().auditLog.findMany({ where: { id: { gt: before } } });
    expect(rows, 'entries appended by one change').toHaveLength(1);
    const list = ListAuditResponseSchema.parse(await (await gw.admin('/audit?limit=5')).json());
    const entry = list.data.find((e) => e.id === rows[0]!.id.toString());
    expect(entry).toBeDefined();
    expect(entry).toMatchObject(origin.expected);
    expect(Date.parse(entry!.at)).toBeGreaterThan(Date.now() - 60_000);
    expectNoSecrets(rows[0]);
    expectNoSecrets(entry);
    return entry!;
  }

  async function expectNoEntry(what: string, send: () => Promise<Response>, status: number): Promise<void> {
    const before = await lastId();
    const res = await send();
    expect(res.status, `${what}: ${await res.clone().text()}`).toBe(status);
    expect(await lastId(), `${what} appended an entry`).toBe(before);
  }

  async function keyOf(token: string, body: Record<string, unknown> = {}) {
    const res = await call(token, 'POST', '/keys', body);
    expect(res.status).toBe(201);
    const key = (await res.json()) as { id: string; key: string; start: string; name: string; userId: string };
    secrets.add(key.key);
    secrets.add((await prisma().apiKey.findUniqueOrThrow({ where: { id: key.id } })).keyHash);
    return key;
  }

  describe('every change appends exactly one entry', () => {
    it('sign-in of a new user: who, from where, created with which role', async () => {
      const email = `new-${backend}@example.com`;
      let userId = '';
      const entry = await onlyEntryOf(async (origin) => {
        const seen = (await readDevMailbox(gw.dataDir)).filter((m) => m.to === email).length;
        // Asking for the link changes nothing yet; only its use is recorded.
        const asked = await call(undefined, 'POST', '/auth/email', { email }, origin);
        expect(asked.status).toBe(202);
        const params = linkParams((await nextMailTo(gw.dataDir, email, seen)).link!);
        secrets.add(params.token);
        const res = await call(undefined, 'POST', '/auth/email/verify', params, origin);
        const body = (await res.clone().json()) as { token: string; user: { id: string } };
        secrets.add(body.token);
        userId = body.user.id;
        return res;
      }, 200);
      expect(entry).toMatchObject({
        action: 'auth.sign_in',
        actor: { kind: 'user', id: userId, label: email },
        target: { type: 'user', id: userId, label: email },
        changes: {
          method: { from: null, to: 'email' },
          user: { from: null, to: 'created' },
          role: { from: null, to: 'user' },
        },
      });
    });

    it('sign-in of a known user records the method only', async () => {
      const email = `known-${backend}@example.com`;
      const userId = await createUser(gw, email);
      const entry = await onlyEntryOf(async (origin) => {
        await signIn(email, origin);
        return new Response(null, { status: 200 });
      }, 200);
      expect(entry).toMatchObject({ action: 'auth.sign_in', actor: { kind: 'user', id: userId } });
      expect(entry.changes).toEqual({ method: { from: null, to: 'email' } });
    });

    it('sign-in of an ADMIN_EMAILS address records the promotion', async () => {
      const userId = await createUser(gw, 'promoted@example.com', 'user');
      const entry = await onlyEntryOf(async (origin) => {
        await signIn('promoted@example.com', origin);
        return new Response(null, { status: 200 });
      }, 200);
      expect(entry.changes).toEqual({ method: { from: null, to: 'email' }, role: { from: 'user', to: 'admin' } });
      expect(entry.actor.id).toBe(userId);
    });

    it('sign-out', async () => {
      const user = await signIn(`signout-${backend}@example.com`, from('setup'));
      const sessionId = user.token.split('.')[0]!;
      const entry = await onlyEntryOf((o) => call(user.token, 'DELETE', '/auth/session', undefined, o), 204);
      expect(entry).toMatchObject({
        action: 'auth.sign_out',
        actor: { kind: 'user', id: user.userId, label: `signout-${backend}@example.com` },
        target: { type: 'session', id: sessionId },
      });
      // Signing out an already ended session changes nothing and records nothing.
      await expectNoEntry('second sign-out', () => call(user.token, 'DELETE', '/auth/session'), 401);
    });

    it('sign-out everywhere, by the user', async () => {
      const email = `everywhere-${backend}@example.com`;
      const user = await signIn(email, from('setup'));
      await openSession(gw, user.userId);
      const entry = await onlyEntryOf((o) => call(user.token, 'DELETE', '/auth/sessions', undefined, o), 204);
      expect(entry).toMatchObject({
        action: 'auth.sign_out_all',
        actor: { kind: 'user', id: user.userId, label: email },
        target: { type: 'user', id: user.userId, label: email },
        changes: { openSessions: { from: 2, to: 0 } },
      });
    });

    it('sign-out everywhere, by an admin', async () => {
      const email = `signed-out-${backend}@example.com`;
      const user = await signIn(email, from('setup'));
      const entry = await onlyEntryOf(
        (o) => call(ops.token, 'DELETE', `/users/${user.userId}/sessions`, undefined, o),
        204,
      );
      expect(entry).toMatchObject({
        action: 'auth.sign_out_all',
        actor: { kind: 'user', id: ops.userId, label: OPS },
        target: { type: 'user', id: user.userId, label: email },
        changes: { openSessions: { from: 1, to: 0 } },
      });
    });

    it('user created (and not again for an existing email)', async () => {
      const email = `created-${backend}@example.com`;
      const entry = await onlyEntryOf((o) => call(ops.token, 'POST', '/users', { email }, o), 201);
      expect(entry).toMatchObject({
        action: 'user.create',
        actor: { kind: 'user', id: ops.userId, label: OPS },
        target: { type: 'user', label: email },
        changes: { email: { from: null, to: email }, role: { from: null, to: 'user' } },
      });
      await expectNoEntry('existing user', () => call(ops.token, 'POST', '/users', { email }), 200);
    });

    it('role changed (and nothing for the same role)', async () => {
      const email = `role-${backend}@example.com`;
      const userId = await createUser(gw, email);
      const entry = await onlyEntryOf((o) => call(ops.token, 'PATCH', `/users/${userId}`, { role: 'admin' }, o), 200);
      expect(entry).toMatchObject({
        action: 'user.role_change',
        actor: { kind: 'user', id: ops.userId },
        target: { type: 'user', id: userId, label: email },
        changes: { role: { from: 'user', to: 'admin' } },
      });
      await expectNoEntry('same role', () => call(ops.token, 'PATCH', `/users/${userId}`, { role: 'admin' }), 200);
      const back = await onlyEntryOf((o) => call(gw.adminToken, 'PATCH', `/users/${userId}`, { role: 'user' }, o), 200);
      expect(back).toMatchObject({
        actor: { kind: 'bootstrap', id: null, label: 'bootstrap admin token' },
        changes: { role: { from: 'admin', to: 'user' } },
      });
    });

    it('key created, renamed, disabled, enabled, deleted — never the key itself', async () => {
      const user = await signIn(`keys-${backend}@example.com`, from('setup'));
      let created!: { id: string; key: string; start: string };
      const create = await onlyEntryOf(async (o) => {
        const res = await call(user.token, 'POST', '/keys', { name: 'ci', limitPerMinute: 30 }, o);
        created = (await res.clone().json()) as typeof created;
        secrets.add(created.key);
        secrets.add((await prisma().apiKey.findUniqueOrThrow({ where: { id: created.id } })).keyHash);
        return res;
      }, 201);
      expect(create).toMatchObject({
        action: 'key.create',
        actor: { kind: 'user', id: user.userId },
        target: { type: 'key', id: created.id, label: `ci (${created.start})` },
        changes: { name: { from: null, to: 'ci' }, limitPerMinute: { from: null, to: 30 } },
      });
      expectNoSecrets(create);

      const update = await onlyEntryOf(
        (o) => call(user.token, 'PATCH', `/keys/${created.id}`, { name: 'ci-2', limitPerDay: 5_000 }, o),
        200,
      );
      expect(update).toMatchObject({
        action: 'key.update',
        target: { id: created.id, label: `ci-2 (${created.start})` },
      });
      expect(update.changes).toEqual({
        name: { from: 'ci', to: 'ci-2' },
        limitPerDay: { from: gw.gateway.services.config.DEFAULT_LIMIT_PER_DAY, to: 5_000 },
      });

      const disable = await onlyEntryOf(
        (o) => call(user.token, 'PATCH', `/keys/${created.id}`, { active: false }, o),
        200,
      );
      expect(disable).toMatchObject({ action: 'key.disable', changes: { active: { from: true, to: false } } });
      const enable = await onlyEntryOf(
        (o) => call(ops.token, 'PATCH', `/keys/${created.id}`, { active: true }, o),
        200,
      );
      expect(enable).toMatchObject({
        action: 'key.enable',
        actor: { kind: 'user', id: ops.userId },
        changes: { active: { from: false, to: true } },
      });
      await expectNoEntry(
        'unchanged key',
        () => call(user.token, 'PATCH', `/keys/${created.id}`, { active: true }),
        200,
      );

      const del = await onlyEntryOf((o) => call(user.token, 'DELETE', `/keys/${created.id}`, undefined, o), 204);
      expect(del).toMatchObject({ action: 'key.delete', target: { type: 'key', id: created.id } });
    });

    it('token created and revoked — never the token or its hash', async () => {
      let created!: { id: string; token: string };
      const create = await onlyEntryOf(async (o) => {
        const res = await call(ops.token, 'POST', '/tokens', { name: 'deploy bot', scope: 'write' }, o);
        created = (await res.clone().json()) as typeof created;
        secrets.add(created.token);
        secrets.add((await prisma().apiToken.findUniqueOrThrow({ where: { id: created.id } })).tokenHash);
        return res;
      }, 201);
      expect(create).toMatchObject({
        action: 'token.create',
        actor: { kind: 'user', id: ops.userId, label: OPS },
        target: { type: 'token', id: created.id, label: 'deploy bot' },
        changes: { name: { from: null, to: 'deploy bot' }, scope: { from: null, to: 'write' } },
      });
      const revoke = await onlyEntryOf((o) => call(ops.token, 'DELETE', `/tokens/${created.id}`, undefined, o), 204);
      expect(revoke).toMatchObject({ action: 'token.revoke', target: { type: 'token', id: created.id } });
      expect(revoke.changes.revokedAt?.from).toBeNull();
      await expectNoEntry('second revoke', () => call(ops.token, 'DELETE', `/tokens/${created.id}`), 204);
    });

    it('a change made with an API token names the token', async () => {
      const token = await createApiToken(gw, 'write', { name: 'terraform' });
      secrets.add(token.token);
      const owner = await createUser(gw, `tf-owner-${backend}@example.com`);
      const entry = await onlyEntryOf((o) => call(token.token, 'POST', '/keys', { userId: owner }, o), 201);
      expect(entry.actor).toEqual({ kind: 'token', id: token.id, label: 'terraform' });
    });

    it('settings changed', async () => {
      const caps = gw.gateway.services.config;
      const entry = await onlyEntryOf((o) => call(ops.token, 'PATCH', '/settings', { maxKeysPerUser: 7 }, o), 200);
      expect(entry).toMatchObject({
        action: 'settings.update',
        actor: { kind: 'user', id: ops.userId },
        target: { type: 'settings' },
      });
      expect(entry.changes).toEqual({ maxKeysPerUser: { from: caps.USER_MAX_KEYS, to: 7 } });
      await expectNoEntry('same settings', () => call(ops.token, 'PATCH', '/settings', { maxKeysPerUser: 7 }), 200);
      await onlyEntryOf((o) => call(ops.token, 'PATCH', '/settings', { maxKeysPerUser: caps.USER_MAX_KEYS }, o), 200);
    });

    it('records the socket address without a forwarded one, and caps a long user agent', async () => {
      const before = await lastId();
      const res = await fetch(`${gw.managementUrl}/users`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${gw.adminToken}`,
          'content-type': 'application/json',
          'user-agent': 'x'.repeat(2_000),
        },
        body: JSON.stringify({ email: `ua-${backend}@example.com` }),
      });
      expect(res.status).toBe(201);
      const row = await prisma().auditLog.findFirstOrThrow({ where: { id: { gt: before } } });
      expect(row.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(row.userAgent).toBe('x'.repeat(512));
      expect(row.requestId).toBe(res.headers.get('x-request-id'));
    });
  });

  describe('reads and refused requests append nothing', () => {
    it('reads', async () => {
      const key = await keyOf(ops.token);
      const token = await createApiToken(gw, 'read');
      const user = await openSession(gw, ops.userId);
      for (const path of [
        '/auth/providers',
        '/auth/session',
        '/users',
        `/users/${ops.userId}`,
        `/users/by-email?email=${OPS}`,
        '/keys',
        `/keys/${key.id}`,
        `/usage/${key.id}`,
        '/usage',
        '/tokens',
        '/settings',
        '/audit',
        '/audit/export',
        '/metrics',
      ]) {
        await expectNoEntry(`GET ${path} (session)`, () => call(user, 'GET', path), 200);
        await expectNoEntry(`GET ${path} (read token)`, () => call(token.token, 'GET', path), 200);
      }
    });

    it('400, 401, 403, 404, 409 and 429 answers', async () => {
      const a = await signIn(`refused-a-${backend}@example.com`, from('setup'));
      const b = await signIn(`refused-b-${backend}@example.com`, from('setup'));
      const keyOfA = await keyOf(a.token);
      const read = await createApiToken(gw, 'read');
      const write = await createApiToken(gw, 'write');
      const missing = randomUUID();
      const signedOut = await openSession(gw, a.userId);
      expect((await call(signedOut, 'DELETE', '/auth/session')).status).toBe(204);
      const cases: [string, () => Promise<Response>, number][] = [
        ['invalid key body', () => call(a.token, 'POST', '/keys', { limitPerMinute: -1 }), 400],
        ['empty key patch', () => call(a.token, 'PATCH', `/keys/${keyOfA.id}`, {}), 400],
        [
          'limit above the caps',
          () => call(a.token, 'PATCH', `/keys/${keyOfA.id}`, { limitPerMinute: 10_000_000 }),
          400,
        ],
        ['empty settings patch', () => call(ops.token, 'PATCH', '/settings', {}), 400],
        ['invalid token body', () => call(ops.token, 'POST', '/tokens', { name: 'x', scope: 'admin' }), 400],
        ['invalid role', () => call(ops.token, 'PATCH', `/users/${a.userId}`, { role: 'root' }), 400],
        ['invalid user', () => call(ops.token, 'POST', '/users', { email: 'nope' }), 400],
        [
          'invalid sign-in link',
          () => call(undefined, 'POST', '/auth/email/verify', { email: 'x@example.com', token: 'nope' }),
          401,
        ],
        ['no credentials', () => call(undefined, 'DELETE', `/keys/${keyOfA.id}`), 401],
        ['signed-out session', () => call(signedOut, 'PATCH', `/keys/${keyOfA.id}`, { name: 'x' }), 401],
        ['user on settings', () => call(a.token, 'PATCH', '/settings', { maxKeysPerUser: 1 }), 403],
        ['user creating a token', () => call(a.token, 'POST', '/tokens', { name: 'x', scope: 'read' }), 403],
        ['user promoting themselves', () => call(a.token, 'PATCH', `/users/${a.userId}`, { role: 'admin' }), 403],
        ['read token creating a key', () => call(read.token, 'POST', '/keys', { userId: a.userId }), 403],
        ['write token creating a token', () => call(write.token, 'POST', '/tokens', { name: 'x', scope: 'read' }), 403],
        [
          'write token granting admin',
          () => call(write.token, 'POST', '/users', { email: 'w@example.com', role: 'admin' }),
          403,
        ],
        [
          'cookie without Origin',
          () =>
            fetch(`${gw.managementUrl}/keys/${keyOfA.id}`, {
              method: 'DELETE',
              headers: { cookie: `gw_session=${a.token}` },
            }),
          403,
        ],
        ['another user’s key', () => call(b.token, 'PATCH', `/keys/${keyOfA.id}`, { name: 'mine' }), 404],
        ['another user’s key, deleted', () => call(b.token, 'DELETE', `/keys/${keyOfA.id}`), 404],
        ['a key for another user', () => call(b.token, 'POST', '/keys', { userId: a.userId }), 404],
        ['missing key', () => call(ops.token, 'DELETE', `/keys/${missing}`), 404],
        ['missing token', () => call(ops.token, 'DELETE', `/tokens/${missing}`), 404],
        ['missing user', () => call(ops.token, 'PATCH', `/users/${missing}`, { role: 'admin' }), 404],
      ];
      for (const [what, send, status] of cases) await expectNoEntry(what, send, status);
      // Nothing of A's key changed either.
      expect(await prisma().apiKey.findUnique({ where: { id: keyOfA.id } })).toMatchObject({ name: 'Untitled key' });
    });

    it('a refused key beyond the cap (403 CAP_EXCEEDED)', async () => {
      const user = await signIn(`capped-${backend}@example.com`, from('setup'));
      expect((await call(ops.token, 'PATCH', '/settings', { maxKeysPerUser: 1 })).status).toBe(200);
      try {
        await keyOf(user.token);
        await expectNoEntry('key beyond the cap', () => call(user.token, 'POST', '/keys', {}), 403);
      } finally {
        await call(ops.token, 'PATCH', '/settings', { maxKeysPerUser: gw.gateway.services.config.USER_MAX_KEYS });
      }
    });

    it('demoting the last admin (409)', async () => {
      // Make ops the only admin for a moment, then try to demote them.
      const others = await prisma().user.findMany({ where: { role: 'admin', id: { not: ops.userId } } });
      for (const u of others)
        expect((await gw.admin(`/users/${u.id}`, { method: 'PATCH', body: '{"role":"user"}' })).status).toBe(200);
      try {
        await expectNoEntry(
          'last admin',
          () => call(gw.adminToken, 'PATCH', `/users/${ops.userId}`, { role: 'user' }),
          409,
        );
      } finally {
        for (const u of others) await gw.admin(`/users/${u.id}`, { method: 'PATCH', body: '{"role":"admin"}' });
      }
    });

    it('too many sign-in requests (429)', async () => {
      const email = `throttled-${backend}@example.com`;
      let last: Response | undefined;
      for (let i = 0; i < 5 && last?.status !== 429; i++)
        last = await call(undefined, 'POST', '/auth/email', { email });
      expect(last?.status).toBe(429);
      await expectNoEntry('throttled', () => call(undefined, 'POST', '/auth/email', { email }), 429);
    });
  });

  describe('GET /audit', () => {
    let a: { token: string; userId: string };
    let b: { token: string; userId: string };
    let keyOfA: string;
    let token: { id: string; token: string };

    beforeAll(async () => {
      a = await signIn(`reader-a-${backend}@example.com`, from('setup'));
      b = await signIn(`reader-b-${backend}@example.com`, from('setup'));
      keyOfA = (await keyOf(a.token, { name: 'paged' })).id;
      // Thirty changes to one key: enough for several pages.
      for (let i = 0; i < 30; i++) {
        expect((await call(a.token, 'PATCH', `/keys/${keyOfA}`, { name: `paged ${i}` })).status).toBe(200);
      }
      token = await createApiToken(gw, 'write', { name: 'filter bot' });
      await keyOf(token.token, { userId: b.userId });
      // An admin changing A's key: the entry is about A, made by ops.
      expect((await call(ops.token, 'PATCH', `/keys/${keyOfA}`, { active: false })).status).toBe(200);
    });

    async function everything(path: string, as = gw.adminToken): Promise<AuditEntry[]> {
      const out: AuditEntry[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const res = await call(as, 'GET', `${path}${cursor ? `${sep}cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = ListAuditResponseSchema.parse(await res.json());
        out.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    }

    const ids = (entries: { id: bigint | string }[]) => entries.map((e) => e.id.toString());

    it('filters by action', async () => {
      const entries = await everything('/audit?action=key.update&limit=200');
      expect(entries.length).toBeGreaterThanOrEqual(30);
      expect(entries.every((e) => e.action === 'key.update')).toBe(true);
      const rows = await prisma().auditLog.findMany({ where: { action: 'key.update' }, orderBy: { id: 'desc' } });
      expect(ids(entries)).toEqual(ids(rows));
    });

    it('filters by actor', async () => {
      const entries = await everything(`/audit?actorId=${token.id}`);
      expect(entries.map((e) => e.action)).toEqual(['key.create']);
      expect(entries[0]!.actor).toEqual({ kind: 'token', id: token.id, label: 'filter bot' });
    });

    it('filters by target, newest first', async () => {
      const entries = await everything(`/audit?targetId=${keyOfA}`);
      expect(entries.map((e) => e.action)).toEqual(['key.disable', ...Array(30).fill('key.update'), 'key.create']);
      expect(entries[1]!.changes.name).toEqual({ from: 'paged 28', to: 'paged 29' });
    });

    it('filters by user: the entries about them, as actor or as owner of the target', async () => {
      const aboutA = await everything(`/audit?userId=${a.userId}`);
      const rows = await prisma().auditLog.findMany({
        where: { OR: [{ subjectUserId: a.userId }, { actorId: a.userId }] },
        orderBy: { id: 'desc' },
      });
      expect(ids(aboutA)).toEqual(ids(rows));
      expect(aboutA[0]).toMatchObject({ action: 'key.disable', actor: { id: ops.userId } });
      // What ops did to A's key is about ops too (as the actor), not only about A.
      const aboutOps = await everything(`/audit?userId=${ops.userId}`);
      expect(ids(aboutOps)).toContain(aboutA[0]!.id);
      expect(aboutOps.every((e) => e.actor.id === ops.userId || e.target.id === ops.userId)).toBe(true);
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const all = await everything('/audit?limit=200');
      const times = [...new Set(all.map((e) => e.at))].sort();
      const from = times[Math.floor(times.length / 3)]!;
      const to = times[Math.floor((2 * times.length) / 3)]!;
      const entries = await everything(`/audit?from=${from}&to=${to}&limit=7`);
      expect(ids(entries)).toEqual(ids(all.filter((e) => e.at >= from && e.at < to)));
      expect(entries.length).toBeGreaterThan(0);
      await expectProblem(await call(gw.adminToken, 'GET', `/audit?from=${to}&to=${from}`), 400, 'VALIDATION_FAILED');
    });

    it('pages without duplicates or gaps, even while entries are added', async () => {
      const expected = ids(await prisma().auditLog.findMany({ where: { targetId: keyOfA }, orderBy: { id: 'desc' } }));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await call(
          gw.adminToken,
          'GET',
          `/audit?targetId=${keyOfA}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        const page = ListAuditResponseSchema.parse(await res.json());
        expect(page.data.length).toBeLessThanOrEqual(7);
        seen.push(...page.data.map((e) => e.id));
        cursor = page.nextCursor;
        // A change in the middle of paging lands before the first page: later pages are unaffected.
        if (pages++ === 1)
          expect((await call(a.token, 'PATCH', `/keys/${keyOfA}`, { name: `mid ${pages}` })).status).toBe(200);
      } while (cursor);
      expect(pages).toBe(Math.ceil(expected.length / 7));
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('refuses a malformed cursor or filter with 400', async () => {
      for (const q of [
        'cursor=bm9wZQ',
        'cursor=!!',
        'limit=0',
        'limit=201',
        'action=key.explode',
        'userId=nope',
        'from=yesterday',
        'color=red',
      ]) {
        await expectProblem(await call(gw.adminToken, 'GET', `/audit?${q}`), 400, 'VALIDATION_FAILED');
      }
    });

    it('shows a user only the entries about themselves', async () => {
      const mine = await everything('/audit?limit=200', a.token);
      const rows = await prisma().auditLog.findMany({ where: { subjectUserId: a.userId }, orderBy: { id: 'desc' } });
      expect(ids(mine)).toEqual(ids(rows));
      expect(mine.some((e) => e.actor.id === ops.userId)).toBe(true); // what an admin did to their key
      const theirs = await everything('/audit?limit=200', b.token);
      expect(theirs.length).toBeGreaterThan(0);
      expect(ids(theirs).filter((id) => ids(mine).includes(id))).toEqual([]);
      // Asking for someone else's entries yields nothing, not an error that confirms they exist.
      expect(await everything(`/audit?userId=${a.userId}`, b.token)).toEqual([]);
      expect(await everything('/audit?action=settings.update', b.token)).toEqual([]);
    });
  });

  describe('GET /audit/export', () => {
    async function exportLines(query: string, as = gw.adminToken): Promise<AuditEntry[]> {
      const res = await call(as, 'GET', `/audit/export${query}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(res.headers.get('content-disposition')).toMatch(/attachment/);
      const text = await res.text();
      if (text === '') return [];
      expect(text.endsWith('\n')).toBe(true);
      return text
        .slice(0, -1)
        .split('\n')
        .map((line) => AuditEntrySchema.parse(JSON.parse(line)));
    }

    it('streams every matching entry, over more than one page, in order and once each', async () => {
      // Entries are appended straight into the table (INSERT is all the log allows), 2,345 of them.
      const subject = randomUUID();
      await gw.gateway.services.db.sql.query(
        `INSERT INTO audit_logs (actor_kind, actor_label, action, target_type, target_id, target_label, subject_user_id, changes)
         SELECT 'system', 'bulk', 'key.update', 'key', 'bulk-' || g, 'bulk ' || g, $1::uuid, jsonb_build_object('n', jsonb_build_object('from', g - 1, 'to', g))
         FROM generate_series(1, 2345) AS g`,
        [subject],
      );
      const lines = await exportLines(`?userId=${subject}`);
      expect(lines).toHaveLength(2345);
      expect(new Set(lines.map((e) => e.id)).size).toBe(2345);
      const numbers = lines.map((e) => Number(e.id));
      expect(numbers).toEqual([...numbers].sort((x, y) => y - x));
      expect(lines.map((e) => e.target.id)).toEqual(Array.from({ length: 2345 }, (_, i) => `bulk-${2345 - i}`));
      // The filter applies to every page: nothing else slipped in.
      expect(lines.every((e) => e.action === 'key.update' && e.actor.label === 'bulk')).toBe(true);
      // `limit` sizes pages of GET /audit only; the export has them all.
      expect(await exportLines(`?userId=${subject}&limit=3`)).toHaveLength(2345);
    });

    it('exports what GET /audit lists, for an admin and for a user', async () => {
      const user = await signIn(`exporter-${backend}@example.com`, from('setup'));
      await keyOf(user.token);
      const all = await exportLines('');
      expect(all.length).toBe(await prisma().auditLog.count());
      const mine = await exportLines('', user.token);
      const rows = await prisma().auditLog.findMany({ where: { subjectUserId: user.userId }, orderBy: { id: 'desc' } });
      expect(mine.map((e) => e.id)).toEqual(rows.map((r) => r.id.toString()));
      expect(mine.map((e) => e.action)).toEqual(['key.create', 'auth.sign_in']);
      expect(await exportLines('?action=token.create', user.token)).toEqual([]);
    });

    it('answers a bad filter or cursor with a problem, not with a download', async () => {
      for (const q of ['cursor=bm9wZQ', 'action=key.explode', 'limit=0']) {
        const res = await call(gw.adminToken, 'GET', `/audit/export?${q}`);
        expect(res.headers.get('content-disposition'), q).toBeNull();
        await expectProblem(res, 400, 'VALIDATION_FAILED');
      }
      await expectProblem(await call(undefined, 'GET', '/audit/export'), 401, 'UNAUTHORIZED');
    });

    it('holds no secret anywhere in the whole log', async () => {
      expect(secrets.size).toBeGreaterThan(20);
      expectNoSecrets(await exportLines(''));
    });
  });
});
