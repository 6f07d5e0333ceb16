import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { issueSignInLink } from '../../src/auth/sign-in-link.js';
import {
  createApiToken,
  createKeyFor,
  createUser,
  expireApiToken,
  openSession,
  revokeApiToken,
} from '../support/credentials.js';
import { routesOf } from '../support/express-routes.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { linkParams } from '../support/mailbox.js';
import { login } from '../support/management.js';
import { startTestOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { expectProblem } from '../support/problem.js';
import { createRoute } from '../support/routes.js';
import { startUpstream } from '../support/upstream.js';

const DASHBOARD = 'https://dashboard.example.com';
const ADMIN_EMAIL = 'ops@example.com';
// No case completes a single sign-on (test/management/oidc.test.ts does): the callback URL is never visited.
const OIDC_CALLBACK = 'http://127.0.0.1/auth/oidc/callback';

/** The callers every management route is tried with, in the order of the table's columns. */
const CREDENTIALS = [
  'anonymous',
  'userA',
  'userB',
  'admin',
  'read',
  'write',
  'revoked',
  'expired',
  'bootstrap',
] as const;
type Credential = (typeof CREDENTIALS)[number];

/** A success status, or the status and code of the problem the caller must get. */
type Expected = number | readonly [number, ErrorCode];
const UNAUTH = [401, 'UNAUTHORIZED'] as const;
const FORBID = [403, 'FORBIDDEN'] as const;
const SCOPE = [403, 'INSUFFICIENT_SCOPE'] as const;
const MISSING = [404, 'NOT_FOUND'] as const;
const BAD = [400, 'BAD_REQUEST'] as const;
const all = (status: number): Expected[] => CREDENTIALS.map(() => status);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What the table's request factories may use: the people, their resources and fresh ones. */
interface World {
  gw: TestGateway;
  userA: string;
  userB: string;
  admin: string;
  /** A key of user A that no case deletes. */
  keyOfA: string;
  /** A webhook endpoint of user A that no case deletes, and one of its deliveries. */
  webhookOfA: string;
  deliveryOfA: string;
  /** A route that no case deletes. */
  route: string;
  unique(): string;
}

interface Request {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
}

interface Row {
  method: Method;
  /** Express path template, exactly as the route is declared. */
  path: string;
  /** Needs no credentials (probes, metrics, sign-in). */
  public?: boolean;
  /** Also served by the proxy listener (probes only); every other route must be unknown there. */
  onProxy?: boolean;
  /** Path parameters, query and body of one request, built afresh for every case. */
  request?: (w: World, as: Credential) => Request | Promise<Request>;
  /** One expectation per credential, in CREDENTIALS order. */
  expect: Expected[];
}

/** The email and token of a fresh sign-in link, as the mailed link carries them. */
async function signInLinkFor(gw: TestGateway, email: string) {
  const { prisma } = gw.gateway.services.db;
  return linkParams((await issueSignInLink(prisma, gw.gateway.services.config, email)).link);
}

/** A fresh plan (straight into the database: the route under test is not the one making it). */
async function createPlanFor(w: World): Promise<string> {
  const plan = await w.gw.gateway.services.db.prisma.plan.create({
    data: { name: `matrix-${w.unique()}`, windows: [{ unit: 'day', limit: 100, scope: 'key', shadow: false }] },
  });
  return plan.id;
}

// User A owns the resource where there is one; user B is another user acting on it. Routes that
// destroy something get a fresh victim per case (a user keeps acting on A's, so a wrong 2xx shows).
const ownOrFreshUser = async (w: World, as: Credential) =>
  as === 'userA' || as === 'userB' ? w.userA : createUser(w.gw, `victim-${w.unique()}@example.com`);

const WEBHOOK_URL = 'https://93.184.216.34/matrix-hooks';

async function webhookFor(gw: TestGateway, userId: string | undefined): Promise<string> {
  const res = await gw.admin('/webhooks', { method: 'POST', body: JSON.stringify({ url: WEBHOOK_URL, userId }) });
  if (res.status !== 201) throw new Error(`POST /webhooks → ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function webhookWithDeliveryFor(gw: TestGateway, userId: string) {
  const webhookOfA = await webhookFor(gw, userId);
  await gw.admin(`/webhooks/${webhookOfA}/test`, { method: 'POST' });
  const list = (await (await gw.admin(`/webhooks/${webhookOfA}/deliveries`)).json()) as { data: { id: string }[] };
  return { webhookOfA, deliveryOfA: list.data[0]!.id };
}

// A user acts on A's endpoint (B must get 404); everyone else gets a platform endpoint of their own
// (a user may have only ten endpoints).
const webhookToDelete = async (w: World, as: Credential) =>
  webhookFor(w.gw, as === 'userA' || as === 'userB' ? w.userA : undefined);

/** A fresh key of `userId`, rolled with a grace period (so it has a previous secret to end). */
async function rolledKeyOf(gw: TestGateway, userId: string): Promise<string> {
  const id = await createKeyFor(gw, userId);
  const res = await gw.admin(`/keys/${id}/roll`, { method: 'POST', body: JSON.stringify({ graceSeconds: 60 }) });
  if (res.status !== 200) throw new Error(`POST /keys/${id}/roll → ${res.status}: ${await res.text()}`);
  return id;
}

// biome-ignore format: one row per route, one column per credential
const TABLE: Row[] = [
  //                                                             anon    A        B        admin  read   write  revoked expired bootstrap
  { method: 'GET', path: '/health', public: true, onProxy: true, expect: all(200) },
  { method: 'GET', path: '/ready', public: true, onProxy: true, expect: all(200) },
  { method: 'GET', path: '/metrics', public: true, expect: all(200) },
  // The OpenAPI document and its rendered reference page: public (shapes and codes, no data).
  { method: 'GET', path: '/openapi.json', public: true, expect: all(200) },
  { method: 'GET', path: '/docs', public: true, expect: all(200) },
  { method: 'GET', path: '/docs/assets/:file', public: true, expect: all(200),
    request: () => ({ params: { file: 'swagger-ui.css' } }) },
  { method: 'GET', path: '/auth/providers', public: true, expect: all(200) },
  // 200 for everyone: `{ signedIn: false }` without a valid credential (the sign-in page's probe).
  { method: 'GET', path: '/auth/session/status', public: true, expect: all(200) },
  { method: 'GET', path: '/auth/oidc/start', public: true, expect: all(302) },
  { method: 'GET', path: '/auth/oidc/callback', public: true, expect: all(302) },
  { method: 'POST', path: '/auth/email', public: true, expect: all(202),
    request: (w) => ({ body: { email: `ask-${w.unique()}@example.com` } }) },
  { method: 'POST', path: '/auth/email/verify', public: true, expect: all(200),
    request: async (w) => ({ body: await signInLinkFor(w.gw, `verify-${w.unique()}@example.com`) }) },
  { method: 'GET', path: '/auth/session', expect:                [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'DELETE', path: '/auth/session', expect:             [UNAUTH, 204,     204,     204,   SCOPE, 204,   UNAUTH, UNAUTH, 204] },
  { method: 'DELETE', path: '/auth/sessions', expect:            [UNAUTH, 204,     204,     204,   SCOPE, BAD,   UNAUTH, UNAUTH, BAD] },
  { method: 'POST', path: '/users', expect:                      [UNAUTH, FORBID,  FORBID,  201,   SCOPE, 201,   UNAUTH, UNAUTH, 201],
    request: (w) => ({ body: { email: `new-${w.unique()}@example.com` } }) },
  { method: 'GET', path: '/users', expect:                       [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/users/by-email', expect:              [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: () => ({ query: 'email=owner-a@example.com' }) },
  { method: 'GET', path: '/users/:id', expect:                   [UNAUTH, 200,     MISSING, 200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.userA } }) },
  { method: 'PATCH', path: '/users/:id', expect:                 [UNAUTH, FORBID,  FORBID,  200,   SCOPE, SCOPE, UNAUTH, UNAUTH, 200],
    request: async (w, as) => ({ params: { id: await ownOrFreshUser(w, as) }, body: { role: 'admin' } }) },
  { method: 'DELETE', path: '/users/:id/sessions', expect:       [UNAUTH, FORBID,  FORBID,  204,   SCOPE, 204,   UNAUTH, UNAUTH, 204],
    request: async (w, as) => ({ params: { id: await ownOrFreshUser(w, as) } }) },
  { method: 'POST', path: '/keys', expect:                       [UNAUTH, 201,     MISSING, 201,   SCOPE, 201,   UNAUTH, UNAUTH, 201],
    request: (w) => ({ body: { userId: w.userA, name: 'matrix key' } }) },
  { method: 'GET', path: '/keys', expect:                        [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/keys/:id', expect:                    [UNAUTH, 200,     MISSING, 200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.keyOfA } }) },
  { method: 'GET', path: '/keys/:id/limits', expect:             [UNAUTH, 200,     MISSING, 200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.keyOfA } }) },
  { method: 'PATCH', path: '/keys/:id', expect:                  [UNAUTH, 200,     MISSING, 200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.keyOfA }, body: { name: `renamed ${w.unique()}` } }) },
  { method: 'DELETE', path: '/keys/:id', expect:                 [UNAUTH, 204,     MISSING, 204,   SCOPE, 204,   UNAUTH, UNAUTH, 204],
    request: async (w) => ({ params: { id: await createKeyFor(w.gw, w.userA) } }) },
  { method: 'POST', path: '/keys/:id/roll', expect:              [UNAUTH, 200,     MISSING, 200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: async (w) => ({ params: { id: await createKeyFor(w.gw, w.userA) }, body: { graceSeconds: 60 } }) },
  { method: 'DELETE', path: '/keys/:id/previous-secret', expect: [UNAUTH, 200,     MISSING, 200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: async (w) => ({ params: { id: await rolledKeyOf(w.gw, w.userA) } }) },
  { method: 'GET', path: '/usage', expect:                       [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/usage/logs', expect:                  [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/usage/export', expect:                [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: () => ({ query: 'format=csv' }) },
  { method: 'GET', path: '/usage/:keyId', expect:                [UNAUTH, 200,     MISSING, 200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { keyId: w.keyOfA } }) },
  { method: 'GET', path: '/tokens', expect:                      [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'POST', path: '/tokens', expect:                     [UNAUTH, FORBID,  FORBID,  201,   SCOPE, SCOPE, UNAUTH, UNAUTH, 201],
    request: (w) => ({ body: { name: `matrix ${w.unique()}`, scope: 'read' } }) },
  { method: 'DELETE', path: '/tokens/:id', expect:               [UNAUTH, FORBID,  FORBID,  204,   SCOPE, SCOPE, UNAUTH, UNAUTH, 204],
    request: async (w) => ({ params: { id: (await createApiToken(w.gw, 'read')).id } }) },
  { method: 'GET', path: '/plans', expect:                       [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'POST', path: '/plans', expect:                      [UNAUTH, FORBID,  FORBID,  201,   SCOPE, 201,   UNAUTH, UNAUTH, 201],
    request: (w) => ({ body: { name: `matrix-${w.unique()}`, windows: [{ unit: 'minute', limit: 10 }] } }) },
  { method: 'GET', path: '/plans/:id', expect:                   [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: async (w) => ({ params: { id: await createPlanFor(w) } }) },
  { method: 'PATCH', path: '/plans/:id', expect:                 [UNAUTH, FORBID,  FORBID,  200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: async (w) => ({ params: { id: await createPlanFor(w) }, body: { description: 'changed' } }) },
  { method: 'DELETE', path: '/plans/:id', expect:                [UNAUTH, FORBID,  FORBID,  204,   SCOPE, 204,   UNAUTH, UNAUTH, 204],
    request: async (w) => ({ params: { id: await createPlanFor(w) } }) },
  { method: 'GET', path: '/settings', expect:                    [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'PATCH', path: '/settings', expect:                  [UNAUTH, FORBID,  FORBID,  200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: () => ({ body: { maxLimitPerDay: 50_000 } }) },
  { method: 'GET', path: '/routes', expect:                      [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/routes/:id', expect:                  [UNAUTH, FORBID,  FORBID,  200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.route } }) },
  { method: 'POST', path: '/routes', expect:                     [UNAUTH, FORBID,  FORBID,  201,   SCOPE, 201,   UNAUTH, UNAUTH, 201],
    request: (w) => { const u = w.unique(); return { body: { name: `r-${u}`, prefix: `/r-${u}`, targets: ['http://127.0.0.1:9'] } }; } },
  { method: 'PATCH', path: '/routes/:id', expect:                [UNAUTH, FORBID,  FORBID,  200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.route }, body: { retries: 1 } }) },
  { method: 'DELETE', path: '/routes/:id', expect:               [UNAUTH, FORBID,  FORBID,  204,   SCOPE, 204,   UNAUTH, UNAUTH, 204],
    request: async (w) => { const u = w.unique(); return { params: { id: (await createRoute(w.gw, { name: `d-${u}`, prefix: `/d-${u}`, targets: ['http://127.0.0.1:9'] })).id } }; } },
  { method: 'GET', path: '/audit', expect:                       [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/audit/export', expect:                [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'GET', path: '/webhooks', expect:                    [UNAUTH, 200,     200,     200,   200,   200,   UNAUTH, UNAUTH, 200] },
  { method: 'POST', path: '/webhooks', expect:                   [UNAUTH, 201,     201,     201,   SCOPE, 201,   UNAUTH, UNAUTH, 201],
    request: () => ({ body: { url: WEBHOOK_URL } }) },
  { method: 'GET', path: '/webhooks/:id', expect:                [UNAUTH, 200,     MISSING, 200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.webhookOfA } }) },
  { method: 'PATCH', path: '/webhooks/:id', expect:              [UNAUTH, 200,     MISSING, 200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.webhookOfA }, body: { description: `renamed ${w.unique()}` } }) },
  { method: 'DELETE', path: '/webhooks/:id', expect:             [UNAUTH, 204,     MISSING, 204,   SCOPE, 204,   UNAUTH, UNAUTH, 204],
    request: async (w, as) => ({ params: { id: await webhookToDelete(w, as) } }) },
  { method: 'POST', path: '/webhooks/:id/rotate-secret', expect: [UNAUTH, 200,     MISSING, 200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.webhookOfA }, body: { overlapSeconds: 60 } }) },
  { method: 'POST', path: '/webhooks/:id/test', expect:          [UNAUTH, 202,     MISSING, 202,   SCOPE, 202,   UNAUTH, UNAUTH, 202],
    request: (w) => ({ params: { id: w.webhookOfA } }) },
  { method: 'GET', path: '/webhooks/:id/deliveries', expect:     [UNAUTH, 200,     MISSING, 200,   200,   200,   UNAUTH, UNAUTH, 200],
    request: (w) => ({ params: { id: w.webhookOfA } }) },
  { method: 'POST', path: '/webhooks/:id/deliveries/:deliveryId/redeliver',
    expect:                                                      [UNAUTH, 202,     MISSING, 202,   SCOPE, 202,   UNAUTH, UNAUTH, 202],
    request: (w) => ({ params: { id: w.webhookOfA, deliveryId: w.deliveryOfA } }) },
  { method: 'POST', path: '/config/apply', expect:               [UNAUTH, FORBID,  FORBID,  200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: () => ({ body: { file: 'routes: []\n', dryRun: true } }) },
  { method: 'POST', path: '/keys/verify', expect:                [UNAUTH, FORBID,  FORBID,  200,   SCOPE, 200,   UNAUTH, UNAUTH, 200],
    request: () => ({ body: { key: 'ak_not-a-key' } }) },
];

const isMutation = (method: Method) => method !== 'GET';
const describeExpected = (e: Expected) => (typeof e === 'number' ? String(e) : `${e[0]} ${e[1]}`);

describe.each(['postgres', 'pglite'] as Backend[])('authorization matrix (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let op: TestOidcProvider;
  let gw: TestGateway;
  let world: World;
  const bearer: Partial<Record<Credential, string>> = {};

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    // With single sign-on configured, so that its routes are mounted and in the matrix too.
    op = await startTestOidcProvider({ redirectUris: [OIDC_CALLBACK], accounts: [] });
    gw = await startTestGateway({
      backend,
      upstreamUrl: upstream.url,
      // Many keys for user A: the cap on a user's own key count is not what this file tests.
      env: {
        DASHBOARD_ORIGIN: DASHBOARD,
        ADMIN_EMAILS: ADMIN_EMAIL,
        USER_MAX_KEYS: '10000',
        // Endpoints here point at a public address this machine cannot reach: never try to deliver.
        WEBHOOK_POLL_INTERVAL_MS: '60000',
        ...op.gatewayEnv(OIDC_CALLBACK),
      },
    });
    // The three people sign in for real, through the mailed link.
    const [a, b, admin] = [
      await login(gw, 'owner-a@example.com'),
      await login(gw, 'other-b@example.com'),
      await login(gw, ADMIN_EMAIL),
    ];
    let n = 0;
    world = {
      gw,
      userA: a.userId,
      userB: b.userId,
      admin: admin.userId,
      keyOfA: await createKeyFor(gw, a.userId, 'A’s key'),
      ...(await webhookWithDeliveryFor(gw, a.userId)),
      route: (await createRoute(gw, { name: `matrix-${backend}`, prefix: '/matrix', targets: ['http://127.0.0.1:9'] }))
        .id,
      unique: () => `${backend}-${Date.now()}-${n++}`,
    };
    bearer.read = (await createApiToken(gw, 'read')).token;
    bearer.write = (await createApiToken(gw, 'write')).token;
    const revoked = await createApiToken(gw, 'write', { name: 'revoked' });
    await revokeApiToken(gw, revoked.id);
    bearer.revoked = revoked.token;
    const expired = await createApiToken(gw, 'write', { name: 'expired' });
    await expireApiToken(gw, expired.id);
    bearer.expired = expired.token;
    bearer.bootstrap = gw.adminToken;
  });
  afterAll(async () => {
    await gw?.stop();
    await op?.stop();
    await upstream?.close();
  });

  /** The session token or API token a credential sends; sessions are new for every case (signing out ends them). */
  async function tokenOf(as: Credential): Promise<string | undefined> {
    if (as === 'anonymous') return undefined;
    if (as === 'userA' || as === 'userB' || as === 'admin') return openSession(gw, world[as]);
    return bearer[as];
  }

  const auditLength = async () =>
    (await gw.gateway.services.db.prisma.auditLog.aggregate({ _max: { id: true } }))._max.id ?? 0n;

  /**
   * One request of a row as a credential. `onSend` runs after the request factory (which may set
   * up resources) and right before the request goes out.
   */
  async function send(
    baseUrl: string,
    row: Row,
    as: Credential,
    auth: (token: string | undefined) => Record<string, string>,
    onSend?: () => Promise<void>,
  ): Promise<Response> {
    const req = (await row.request?.(world, as)) ?? {};
    let path = row.path.replace(/:(\w+)/g, (_m, name: string) => {
      const value = req.params?.[name];
      if (!value) throw new Error(`the table gives no :${name} for ${row.method} ${row.path}`);
      return value;
    });
    if (req.query) path += `?${req.query}`;
    const headers: Record<string, string> = auth(await tokenOf(as));
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    await onSend?.();
    return fetch(baseUrl + path, { method: row.method, headers, body, redirect: 'manual' });
  }

  async function expectAnswer(res: Response, expected: Expected): Promise<void> {
    if (typeof expected === 'number') {
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(expected);
    } else {
      await expectProblem(res, expected[0], expected[1]);
    }
  }

  const withBearer = (token: string | undefined): Record<string, string> =>
    token ? { authorization: `Bearer ${token}` } : {};

  for (const row of TABLE) {
    describe(`${row.method} ${row.path}`, () => {
      const cases = CREDENTIALS.map((as, i) => [as, describeExpected(row.expect[i]!), row.expect[i]!] as const);
      it.each(cases)('as %s → %s', async (as, _label, expected) => {
        let before = 0n;
        const res = await send(gw.managementUrl, row, as, withBearer, async () => {
          before = await auditLength();
        });
        await expectAnswer(res, expected);
        // Reads and refused requests leave no trace in the audit log; a change at most one entry.
        const appended = (await auditLength()) - before;
        if (typeof expected === 'number' && isMutation(row.method)) expect(appended).toBeLessThanOrEqual(1n);
        else expect(appended, 'audit entries of a read or a refused request').toBe(0n);
      });
    });
  }

  describe('the table', () => {
    it('has one column per credential in every row', () => {
      for (const row of TABLE) expect(row.expect, `${row.method} ${row.path}`).toHaveLength(CREDENTIALS.length);
    });

    it('lists every route the management listener serves, and only those', () => {
      expect(gw.gateway.services.oidc).toBeDefined(); // else the single sign-on routes are not mounted
      const { management } = createApp(gw.gateway.services);
      const served = routesOf(management.router as unknown as { stack: unknown[] });
      expect(served.length).toBeGreaterThan(20);
      expect(TABLE.map((r) => `${r.method} ${r.path}`).sort()).toEqual([...new Set(served)].sort());
    });
  });

  describe('changes to a person apply to their next request', () => {
    const get = (token: string, path: string) =>
      fetch(gw.managementUrl + path, { headers: { authorization: `Bearer ${token}` } });

    it('a promoted user is an admin at once, and a demoted one no longer', async () => {
      const id = await createUser(gw, `climber-${world.unique()}@example.com`);
      const session = await openSession(gw, id);
      await expectProblem(await get(session, '/users'), 403, 'FORBIDDEN');
      const promote = await gw.admin(`/users/${id}`, { method: 'PATCH', body: JSON.stringify({ role: 'admin' }) });
      expect(promote.status).toBe(200);
      expect((await get(session, '/users')).status).toBe(200);
      const demote = await gw.admin(`/users/${id}`, { method: 'PATCH', body: JSON.stringify({ role: 'user' }) });
      expect(demote.status).toBe(200);
      await expectProblem(await get(session, '/users'), 403, 'FORBIDDEN');
      await expectProblem(await get(session, `/keys/${world.keyOfA}`), 404, 'NOT_FOUND');
    });

    it('signing a user out everywhere ends each of their sessions, and no one else’s', async () => {
      const [first, second, other] = [
        await openSession(gw, world.userB),
        await openSession(gw, world.userB),
        await openSession(gw, world.userA),
      ];
      const res = await gw.admin(`/users/${world.userB}/sessions`, { method: 'DELETE' });
      expect(res.status).toBe(204);
      await expectProblem(await get(first, '/auth/session'), 401, 'UNAUTHORIZED');
      await expectProblem(await get(second, '/auth/session'), 401, 'UNAUTHORIZED');
      expect((await get(other, '/auth/session')).status).toBe(200);
    });
  });

  describe('spellings of a path', () => {
    // Express matches paths case-insensitively and ignores a trailing slash: a guard mounted with
    // one spelling must hold for every spelling that reaches the route.
    const variants: [string, (path: string) => string][] = [
      ['upper case', (p) => p.toUpperCase()],
      ['a trailing slash', (p) => `${p}/`],
    ];
    const spelled = (row: Row, spell: (path: string) => string): Row => ({
      ...row,
      path: spell(row.path).replace(/:(\w+)/gi, (m) => m.toLowerCase()),
      request: async (w, as) => {
        const req = (await row.request?.(w, as)) ?? {};
        return {
          ...req,
          params: Object.fromEntries(Object.entries(req.params ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        };
      },
    });
    const guarded = TABLE.filter((row) => !row.public);
    const cases = guarded.flatMap((row) =>
      variants.map(([name, spell]) => [`${row.method} ${row.path}`, name, row, spell] as const),
    );

    it.each(cases)('%s with %s needs credentials', async (_route, _variant, row, spell) => {
      await expectProblem(
        await send(gw.managementUrl, spelled(row, spell), 'anonymous', withBearer),
        401,
        'UNAUTHORIZED',
      );
    });

    it.each(cases.filter(([, , row]) => row.expect[CREDENTIALS.indexOf('userA')] === FORBID))(
      '%s with %s stays admin-only',
      async (_route, _variant, row, spell) => {
        await expectProblem(await send(gw.managementUrl, spelled(row, spell), 'userA', withBearer), 403, 'FORBIDDEN');
      },
    );
  });

  describe('the proxy listener', () => {
    it.each(TABLE.map((row) => [`${row.method} ${row.path}`, row] as const))(
      'does not serve %s (except the probes)',
      async (_name, row) => {
        const res = await send(gw.url, row, 'bootstrap', withBearer);
        if (row.onProxy) expect(res.status).toBe(200);
        else await expectProblem(res, 404, 'NOT_FOUND');
      },
    );

    it('serves /metrics on the management listener only', async () => {
      const management = await fetch(`${gw.managementUrl}/metrics`);
      expect(management.status).toBe(200);
      expect(await management.text()).toMatch(/^# HELP /m);
      await expectProblem(await fetch(`${gw.url}/metrics`), 404, 'NOT_FOUND');
    });
  });

  describe('the session cookie', () => {
    const cookieRows = TABLE.filter((row) => !row.public);
    const asCookie =
      (origin?: string) =>
      (token: string | undefined): Record<string, string> => ({
        cookie: `gw_session=${token}`,
        ...(origin ? { origin } : {}),
      });

    for (const as of ['userA', 'admin'] as const) {
      const column = CREDENTIALS.indexOf(as);
      const reads = cookieRows.filter((row) => !isMutation(row.method));
      const writes = cookieRows.filter((row) => isMutation(row.method));

      it.each(reads.map((row) => [`${row.method} ${row.path}`, describeExpected(row.expect[column]!), row] as const))(
        `of ${as} reads without Origin: %s → %s`,
        async (_name, _label, row) => {
          await expectAnswer(await send(gw.managementUrl, row, as, asCookie()), row.expect[column]!);
        },
      );

      it.each(writes.map((row) => [`${row.method} ${row.path}`, describeExpected(row.expect[column]!), row] as const))(
        `of ${as} mutates from the dashboard: %s → %s`,
        async (_name, _label, row) => {
          await expectAnswer(await send(gw.managementUrl, row, as, asCookie(DASHBOARD)), row.expect[column]!);
        },
      );

      it.each(writes.map((row) => [`${row.method} ${row.path}`, row] as const))(
        `of ${as} cannot mutate without Origin: %s → 403 ORIGIN_NOT_ALLOWED`,
        async (_name, row) => {
          await expectProblem(await send(gw.managementUrl, row, as, asCookie()), 403, 'ORIGIN_NOT_ALLOWED');
        },
      );

      it.each(writes.map((row) => [`${row.method} ${row.path}`, row] as const))(
        `of ${as} cannot mutate from the proxy listener's origin: %s → 403 ORIGIN_NOT_ALLOWED`,
        async (_name, row) => {
          await expectProblem(await send(gw.managementUrl, row, as, asCookie(gw.url)), 403, 'ORIGIN_NOT_ALLOWED');
        },
      );
    }

    it('changes nothing when a mutation is refused for its Origin', async () => {
      const token = await openSession(gw, world.userA);
      const before = (await (await gw.admin(`/keys/${world.keyOfA}`)).json()) as { name: string; active: boolean };
      for (const origin of [undefined, gw.url, gw.managementUrl, 'https://evil.example.com', 'null']) {
        const res = await fetch(`${gw.managementUrl}/keys/${world.keyOfA}`, {
          method: 'PATCH',
          headers: { cookie: `gw_session=${token}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
          body: JSON.stringify({ active: false, name: 'hijacked' }),
        });
        await expectProblem(res, 403, 'ORIGIN_NOT_ALLOWED');
      }
      expect(await (await gw.admin(`/keys/${world.keyOfA}`)).json()).toMatchObject(before);
    });

    it('lets scripts exchange a sign-in link without Origin, but refuses a foreign page (login CSRF)', async () => {
      const verify = async (origin?: string) =>
        fetch(`${gw.managementUrl}/auth/email/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
          body: JSON.stringify(await signInLinkFor(gw, `csrf-${randomUUID()}@example.com`)),
        });
      await expectProblem(await verify(gw.url), 403, 'ORIGIN_NOT_ALLOWED');
      await expectProblem(await verify('https://evil.example.com'), 403, 'ORIGIN_NOT_ALLOWED');
      expect((await verify(DASHBOARD)).status).toBe(200);
      expect((await verify()).status).toBe(200);
    });
  });
});
