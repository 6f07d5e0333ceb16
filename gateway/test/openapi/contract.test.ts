import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { expressPath, problemStatusesOf } from '@gateway/shared/openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { SESSION_COOKIE } from '../../src/http/gateway-cookies.js';
import { createApiToken, openSession } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { routesOf } from '../support/express-routes.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { linkParams } from '../support/mailbox.js';
import { login } from '../support/management.js';
import { startTestOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { type DocumentedOperation, type OpenApiDocument, OpenApiResponseValidator } from '../support/openapi.js';
import { rawRequest } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const ADMIN = 'contract-admin@example.com';
const USER = 'contract-user@example.com';
const DASHBOARD = 'http://dashboard.test';
/** The statuses the contract test must see for every operation that documents them. */
const MUST_SEE = [400, 401, 403, 404, 409];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface CallOptions {
  /** Bearer token (session, `gwt_…` or the bootstrap token). */
  token?: string;
  /** Session cookie instead of a bearer token. */
  cookie?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  origin?: string;
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked against the document, then read freely
  body: any;
  headers: Headers;
}

/**
 * Every operation of the served document, called for real against a gateway on PostgreSQL and Redis:
 * each answer (success and problem) is validated against the document, and the test fails unless
 * every operation answered a success and every 400/401/403/404/409 it documents.
 */
describe('OpenAPI contract: the document matches what the gateway answers', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let op: TestOidcProvider;
  let gw: TestGateway;
  let document: OpenApiDocument;
  let v: OpenApiResponseValidator;
  let admin: { token: string; userId: string };
  let user: { token: string; userId: string };
  let boot: string;
  const tokens: Record<'write' | 'read' | 'verify', string> = { write: '', read: '', verify: '' };

  async function call(method: string, path: string, o: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.cookie) headers.cookie = `${SESSION_COOKIE}=${o.cookie}`;
    if (o.origin) headers.origin = o.origin;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
    const res = await fetch(gw.managementUrl + path, { method, headers, body, redirect: 'manual' });
    const parsed = await v.check(method, path, res);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/auth/oidc/callback`;
    op = await startTestOidcProvider({ redirectUris: [callback], accounts: [{ email: ADMIN }] });
    gw = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      env: {
        ...op.gatewayEnv(callback),
        MANAGEMENT_PORT: String(port),
        DASHBOARD_ORIGIN: DASHBOARD,
        ADMIN_EMAILS: ADMIN,
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      },
    });
    boot = gw.adminToken;
    admin = await login(gw, ADMIN);
    user = await login(gw, USER);
    for (const scope of ['write', 'read', 'verify'] as const) tokens[scope] = (await createApiToken(gw, scope)).token;
    const res = await fetch(`${gw.managementUrl}/openapi.json`);
    document = (await res.json()) as OpenApiDocument;
    v = new OpenApiResponseValidator(document);
  });
  afterAll(async () => {
    await gw?.stop();
    await op?.stop();
    await upstream?.close();
  });

  /** A path of the document with its `{params}` filled from `ids`, or random UUIDs. */
  const fill = (path: string, ids: Record<string, string> = {}) =>
    path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => ids[name] ?? randomUUID());
  const isPublic = (o: DocumentedOperation) => Array.isArray(o.operation.security) && o.operation.security.length === 0;
  const documents = (o: DocumentedOperation, status: number) => String(status) in o.operation.responses;

  it('is OpenAPI 3.1 with both security schemes, and the session cookie is the one the gateway sets', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie' });
    expect(document.components.securitySchemes.sessionCookie!.name).toBe(SESSION_COOKIE);
    expect(document.components.securitySchemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ids = v.operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every route the management app has, and nothing it lacks', () => {
    // The same code path as the running listener: createApp with this gateway's services (OIDC on).
    const { management } = createApp(gw.gateway.services);
    // The reference page's script, styles and icon are files, not API.
    const notApi = new Set(['GET /docs/assets/:file']);
    const routes = [...new Set(routesOf(management.router as unknown as { stack: unknown[] }))].filter(
      (r) => !notApi.has(r),
    );
    const documented = v.operations.map((o) => `${o.method} ${expressPath(o.path)}`);
    expect(
      routes.filter((r) => !documented.includes(r)),
      'routes missing from the document',
    ).toEqual([]);
    expect(
      documented.filter((d) => !routes.includes(d)),
      'documented operations with no route',
    ).toEqual([]);
  });

  describe('system', () => {
    it('GET /health, /ready, /metrics, /docs', async () => {
      expect((await call('GET', '/health')).status).toBe(200);
      expect((await call('GET', '/ready')).body).toMatchObject({ status: 'ready', database: 'postgres' });
      expect((await call('GET', '/ready?strict')).status).toBe(200);
      expect((await call('GET', '/metrics')).body).toContain('# TYPE');
      const page = await call('GET', '/docs');
      expect(page.body).toContain('docs/assets/swagger-ui-bundle.js');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    });

    it("serves the reference page's own files, and nothing else of the package", async () => {
      for (const [file, type] of [
        ['swagger-ui-bundle.js', 'javascript'],
        ['init.js', 'javascript'],
        ['swagger-ui.css', 'text/css'],
        ['favicon.png', 'image/png'],
      ]) {
        const res = await fetch(`${gw.managementUrl}/docs/assets/${file}`);
        expect(res.status, file).toBe(200);
        expect(res.headers.get('content-type'), file).toContain(type);
        await res.arrayBuffer();
      }
      for (const file of ['index.html', 'package.json', '__proto__', '..%2Fpackage.json']) {
        const res = await fetch(`${gw.managementUrl}/docs/assets/${file}`);
        expect(res.status, file).toBe(404);
        expect(res.headers.get('content-type'), file).toMatch(/^application\/problem\+json/);
        await res.arrayBuffer();
      }
    });
  });

  describe('sign-in and sessions', () => {
    it('GET /auth/providers, POST /auth/email, POST /auth/email/verify', async () => {
      expect((await call('GET', '/auth/providers')).body.oidc).not.toBeNull();
      const email = 'contract-reader@example.com';
      expect((await call('POST', '/auth/email', { body: { email } })).status).toBe(202);
      const mail = await eventually(async () => {
        const mails = await gw.mailsTo(email);
        if (mails.length === 0) throw new Error('no mail yet');
        return mails[0]!;
      });
      const params = linkParams(mail.link!);
      const foreign = await call('POST', '/auth/email/verify', { body: params, origin: 'https://evil.example' });
      expect(foreign.body.code).toBe('ORIGIN_NOT_ALLOWED');
      const wrong = await call('POST', '/auth/email/verify', { body: { email, token: 'not-the-token' } });
      expect(wrong.body.code).toBe('INVALID_SIGN_IN_LINK');
      const verified = await call('POST', '/auth/email/verify', { body: params });
      expect(verified.status).toBe(200);
      expect(verified.headers.get('set-cookie')).toContain(`${SESSION_COOKIE}=`);
    });

    it('GET /auth/oidc/start and /auth/oidc/callback redirect', async () => {
      const start = await call('GET', '/auth/oidc/start?returnTo=/keys');
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toContain(op.issuer);
      const callback = await call('GET', '/auth/oidc/callback?code=x&state=y');
      expect(callback.headers.get('location')).toBe(`${DASHBOARD}/login?error=sso`);
    });

    it('GET /auth/session, GET /auth/session/status, DELETE /auth/session, DELETE /auth/sessions', async () => {
      expect((await call('GET', '/auth/session', { cookie: user.token })).body.credential).toBe('session');
      expect((await call('GET', '/auth/session/status')).body).toEqual({ signedIn: false });
      expect((await call('GET', '/auth/session/status', { token: user.token })).body.signedIn).toBe(true);
      expect((await call('GET', '/auth/session/status', { token: tokens.verify })).status).toBe(403);
      const one = await openSession(gw, user.userId);
      expect((await call('DELETE', '/auth/session', { token: one })).status).toBe(204);
      expect((await call('DELETE', '/auth/sessions', { token: boot })).status).toBe(400);
      expect((await call('DELETE', '/auth/sessions', { token: await openSession(gw, user.userId) })).status).toBe(204);
      user.token = await openSession(gw, user.userId);
    });
  });

  describe('users', () => {
    it('POST /users, GET /users, GET /users/by-email, GET /users/{id}', async () => {
      const made = await call('POST', '/users', { token: boot, body: { email: 'contract-new@example.com' } });
      expect(made.status).toBe(201);
      expect((await call('POST', '/users', { token: boot, body: { email: 'contract-new@example.com' } })).status).toBe(
        200,
      );
      expect((await call('GET', '/users?limit=5', { token: tokens.read })).body.data.length).toBeGreaterThan(0);
      expect((await call('GET', `/users/by-email?email=${encodeURIComponent(USER)}`, { token: boot })).status).toBe(
        200,
      );
      expect((await call('GET', '/users/by-email?email=nobody%40example.com', { token: boot })).status).toBe(404);
      expect((await call('GET', `/users/${user.userId}`, { token: user.token })).body.email).toBe(USER);
    });

    it('PATCH /users/{id}, DELETE /users/{id}/sessions', async () => {
      const other = (await call('POST', '/users', { token: boot, body: { email: 'contract-other@example.com' } })).body;
      const patched = await call('PATCH', `/users/${other.user.id}`, { token: admin.token, body: { role: 'user' } });
      expect(patched.status).toBe(200);
      const last = await call('PATCH', `/users/${admin.userId}`, { token: admin.token, body: { role: 'user' } });
      expect(last.status).toBe(409);
      expect((await call('DELETE', `/users/${other.user.id}/sessions`, { token: boot })).status).toBe(204);
    });
  });

  const ids: Record<string, string> = {};

  describe('keys', () => {
    it('POST /keys, GET /keys, GET /keys/{id}, GET /keys/{id}/limits, PATCH /keys/{id}', async () => {
      const key = await call('POST', '/keys', { token: user.token, body: { name: 'contract' } });
      expect(key.status).toBe(201);
      ids.key = key.body.id;
      ids.rawKey = key.body.key;
      expect((await call('POST', '/keys', { token: boot, body: { userId: randomUUID() } })).status).toBe(404);
      expect((await call('GET', '/keys?state=active', { token: user.token })).body.data).toHaveLength(1);
      expect((await call('GET', `/keys/${ids.key}`, { cookie: user.token })).status).toBe(200);
      expect((await call('GET', `/keys/${ids.key}/limits`, { token: user.token })).body.windows.length).toBeGreaterThan(
        0,
      );
      const patched = await call('PATCH', `/keys/${ids.key}`, {
        token: user.token,
        body: { name: 'renamed', limitPerMinute: 50 },
      });
      expect(patched.body.name).toBe('renamed');
    });

    it('POST /keys/{id}/roll, DELETE /keys/{id}/previous-secret, POST /keys/verify, DELETE /keys/{id}', async () => {
      const rolled = await call('POST', `/keys/${ids.key}/roll`, { token: user.token, body: { graceSeconds: 60 } });
      expect(rolled.body.previousSecret).not.toBeNull();
      ids.rawKey = rolled.body.key;
      const ended = await call('DELETE', `/keys/${ids.key}/previous-secret`, { token: user.token });
      expect(ended.body.previousSecret).toBeNull();
      const verdict = await call('POST', '/keys/verify', { token: tokens.verify, body: { key: ids.rawKey } });
      expect(verdict.body.valid).toBe(true);
      const doomed = await call('POST', '/keys', { token: user.token, body: { name: 'doomed' } });
      expect((await call('DELETE', `/keys/${doomed.body.id}`, { token: user.token })).status).toBe(204);
    });
  });

  describe('usage', () => {
    it('GET /usage (grouped), GET /usage/logs, GET /usage/{keyId}', async () => {
      for (const path of ['/hello', '/missing']) {
        const res = await rawRequest(gw.url, { path: `/proxy${path}`, headers: { 'x-api-key': ids.rawKey! } });
        expect(res.status).toBe(200);
      }
      const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
      // The usage writer flushes in the background: wait until both requests are in the log.
      const query = `from=${from}&keyId=${ids.key}`;
      await eventually(async () => {
        const all = await call('GET', `/usage/logs?${query}`, { token: user.token });
        if (all.body.data.length < 2) throw new Error('not every request logged yet');
      });
      const first = await call('GET', `/usage/logs?${query}&limit=1`, { token: user.token });
      expect(first.body.data[0].keyId).toBe(ids.key);
      const next = await call('GET', `/usage/logs?${query}&limit=1&cursor=${first.body.nextCursor}`, {
        token: user.token,
      });
      expect(next.body.data).toHaveLength(1);
      expect(next.body.data[0].id).not.toBe(first.body.data[0].id);
      const grouped = await call('GET', `/usage?from=${from}&groupBy=path&top=1`, { token: boot });
      expect(grouped.body.totals.requests).toBeGreaterThanOrEqual(2);
      expect(grouped.body.groups).toHaveLength(1);
      expect(grouped.body.other).not.toBeNull();
      expect((await call('GET', '/usage', { token: user.token })).body.groupBy).toBeNull();
      const usage = await call('GET', `/usage/${ids.key}?limit=5`, { token: user.token });
      expect(usage.body.keyId).toBe(ids.key);
    });

    it('GET /usage/export as CSV and NDJSON (every log line a UsageLogRecord), and a window too long', async () => {
      const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
      const csv = await call('GET', `/usage/export?format=csv&from=${from}&keyId=${ids.key}`, { token: user.token });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-log-.*\.csv"$/);
      const rows = (csv.body as string).trim().split('\r\n');
      expect(rows[0]).toMatch(/^id,timestamp,keyId,/);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const ndjson = await call('GET', `/usage/export?format=ndjson&from=${from}&keyId=${ids.key}`, {
        token: user.token,
      });
      const lines = (ndjson.body as string).trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) v.checkComponent('UsageLogRecord', JSON.parse(line));
      const byStatus = await call('GET', `/usage/export?format=ndjson&groupBy=status&from=${from}`, { token: boot });
      expect(JSON.parse((byStatus.body as string).split('\n')[0]!)).toMatchObject({ value: '200' });
      const twoMonths = encodeURIComponent(new Date(Date.now() - 60 * 86_400_000).toISOString());
      const tooLong = await call('GET', `/usage/export?format=csv&from=${twoMonths}`, { token: boot });
      expect(tooLong.status).toBe(400);
    });
  });

  describe('declarative configuration, plans and routes', () => {
    const FILE = (target: string) => `plans:
  - name: filed
    windows:
      - { unit: minute, limit: 600 }
routes:
  - name: filed
    prefix: /filed
    targets: [${target}]
`;

    it('POST /config/apply (dry run, then for real)', async () => {
      const dry = await call('POST', '/config/apply', {
        token: boot,
        body: { file: FILE(upstream.url), dryRun: true },
      });
      expect(dry.body.changes).toHaveLength(2);
      const applied = await call('POST', '/config/apply', { token: tokens.write, body: { file: FILE(upstream.url) } });
      expect(applied.body.dryRun).toBe(false);
    });

    it('POST /plans, GET /plans, GET /plans/{id}, PATCH /plans/{id}, DELETE /plans/{id}', async () => {
      const windows = [{ unit: 'minute', limit: 100 }];
      const plan = await call('POST', '/plans', { token: boot, body: { name: 'gold', windows } });
      expect(plan.status).toBe(201);
      expect((await call('POST', '/plans', { token: boot, body: { name: 'gold', windows } })).status).toBe(409);
      const listed = await call('GET', '/plans', { token: tokens.read });
      const filed = listed.body.data.find((p: { name: string }) => p.name === 'filed');
      expect((await call('GET', `/plans/${plan.body.id}`, { token: boot })).body.name).toBe('gold');
      const patch = { body: { description: 'the gold plan' }, token: boot };
      expect((await call('PATCH', `/plans/${plan.body.id}`, patch)).status).toBe(200);
      expect((await call('PATCH', `/plans/${filed.id}`, patch)).status).toBe(409);
      expect((await call('DELETE', `/plans/${filed.id}`, { token: boot })).status).toBe(409);
      await call('PATCH', `/keys/${ids.key}`, { token: boot, body: { planId: plan.body.id } });
      expect((await call('DELETE', `/plans/${plan.body.id}`, { token: boot })).status).toBe(409);
      await call('PATCH', `/keys/${ids.key}`, { token: boot, body: { planId: null } });
      expect((await call('DELETE', `/plans/${plan.body.id}`, { token: boot })).status).toBe(204);
    });

    it('POST /routes, GET /routes, GET /routes/{id}, PATCH /routes/{id}, DELETE /routes/{id}', async () => {
      const body = { name: 'orders', prefix: '/orders', targets: [upstream.url] };
      const route = await call('POST', '/routes', { token: boot, body });
      expect(route.status).toBe(201);
      expect((await call('POST', '/routes', { token: boot, body: { ...body, name: 'other' } })).status).toBe(409);
      const listed = await call('GET', '/routes', { token: boot });
      const filed = listed.body.data.find((r: { name: string }) => r.name === 'filed');
      expect((await call('GET', `/routes/${route.body.id}`, { token: boot })).body.prefix).toBe('/orders');
      expect((await call('PATCH', `/routes/${route.body.id}`, { token: boot, body: { cost: 2 } })).body.cost).toBe(2);
      expect((await call('PATCH', `/routes/${filed.id}`, { token: boot, body: { cost: 2 } })).status).toBe(409);
      expect((await call('DELETE', `/routes/${filed.id}`, { token: boot })).status).toBe(409);
      expect((await call('DELETE', `/routes/${route.body.id}`, { token: boot })).status).toBe(204);
    });
  });

  describe('tokens, settings, audit', () => {
    it('GET /tokens, POST /tokens, DELETE /tokens/{id}', async () => {
      expect((await call('GET', '/tokens', { token: boot })).body.data.length).toBeGreaterThan(0);
      const made = await call('POST', '/tokens', { token: admin.token, body: { name: 'contract', scope: 'read' } });
      expect(made.status).toBe(201);
      expect((await call('DELETE', `/tokens/${made.body.id}`, { token: admin.token })).status).toBe(204);
    });

    it('GET /settings, PATCH /settings', async () => {
      expect((await call('GET', '/settings', { token: user.token })).body.keyDefaults).toBeDefined();
      const patched = await call('PATCH', '/settings', { token: boot, body: { maxKeysPerUser: 40 } });
      expect(patched.body.maxKeysPerUser).toBe(40);
    });

    it('GET /audit, GET /audit/export (every line an AuditEntry)', async () => {
      expect((await call('GET', '/audit?limit=10', { token: boot })).body.data.length).toBeGreaterThan(0);
      const exported = await call('GET', '/audit/export?action=key.create', { token: user.token });
      const lines = (exported.body as string).trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) v.checkComponent('AuditEntry', JSON.parse(line));
    });
  });

  describe('webhooks', () => {
    it('POST /webhooks, GET /webhooks, GET /webhooks/{id}, PATCH /webhooks/{id}, rotate-secret', async () => {
      const hook = await call('POST', '/webhooks', { token: user.token, body: { url: `${upstream.url}/hook` } });
      expect(hook.status).toBe(201);
      ids.webhook = hook.body.id;
      const foreign = { url: `${upstream.url}/hook`, userId: randomUUID() };
      expect((await call('POST', '/webhooks', { token: boot, body: foreign })).status).toBe(404);
      expect((await call('GET', '/webhooks', { token: user.token })).body.data).toHaveLength(1);
      expect((await call('GET', `/webhooks/${ids.webhook}`, { token: user.token })).status).toBe(200);
      const patch = { token: user.token, body: { description: 'contract' } };
      expect((await call('PATCH', `/webhooks/${ids.webhook}`, patch)).body.description).toBe('contract');
      expect((await call('POST', `/webhooks/${ids.webhook}/rotate-secret`, { token: user.token })).status).toBe(200);
    });

    it('POST test, GET deliveries, POST redeliver, DELETE /webhooks/{id}', async () => {
      expect((await call('POST', `/webhooks/${ids.webhook}/test`, { token: user.token })).status).toBe(202);
      const delivery = await eventually(async () => {
        const page = await call('GET', `/webhooks/${ids.webhook}/deliveries?limit=5`, { token: user.token });
        if (page.body.data.length === 0) throw new Error('no delivery yet');
        return page.body.data[0] as { id: string };
      });
      ids.delivery = delivery.id;
      const again = await call('POST', `/webhooks/${ids.webhook}/deliveries/${delivery.id}/redeliver`, {
        token: user.token,
      });
      expect(again.status).toBe(202);
      await call('PATCH', `/webhooks/${ids.webhook}`, { token: user.token, body: { enabled: false } });
      expect((await call('POST', `/webhooks/${ids.webhook}/test`, { token: user.token })).status).toBe(409);
      const spare = await call('POST', '/webhooks', { token: user.token, body: { url: `${upstream.url}/spare` } });
      expect((await call('DELETE', `/webhooks/${spare.body.id}`, { token: user.token })).status).toBe(204);
    });
  });

  // The sweeps below derive their calls from the document itself: what it says about credentials,
  // path ids, bodies and query strings must hold for every operation.

  it('401 for every operation that needs credentials, called without', async () => {
    for (const o of v.operations.filter((o) => !isPublic(o))) {
      expect((await call(o.method, fill(o.path))).status, o.key).toBe(401);
    }
  });

  it('403 for a `verify` token everywhere but POST /keys/verify, for users on admin operations, for tokens in person', async () => {
    for (const o of v.operations.filter((o) => !isPublic(o))) {
      if (o.operation.operationId !== 'verifyKey') {
        expect((await call(o.method, fill(o.path), { token: tokens.verify })).body.code, o.key).toBe(
          'INSUFFICIENT_SCOPE',
        );
      }
      const access = o.operation['x-access'];
      if (access === 'admin' || access === 'adminInPerson') {
        expect((await call(o.method, fill(o.path), { token: user.token })).body.code, o.key).toBe('FORBIDDEN');
      }
      if (access === 'adminInPerson') {
        expect((await call(o.method, fill(o.path), { token: tokens.write })).body.code, o.key).toBe(
          'INSUFFICIENT_SCOPE',
        );
      }
    }
    // Changes authenticated by the cookie must come from the dashboard.
    const res = await call('PATCH', `/keys/${ids.key}`, { cookie: user.token, body: { name: 'x' } });
    expect(res.body.code).toBe('ORIGIN_NOT_ALLOWED');
  });

  // Bodies valid for the operation, so only the unknown id is wrong.
  const VALID_BODIES: Record<string, unknown> = {
    updateUser: { role: 'user' },
    updateKey: { name: 'x' },
    rollKey: { graceSeconds: 0 },
    updatePlan: { description: 'x' },
    updateRoute: { cost: 1 },
    updateWebhook: { description: 'x' },
    rotateWebhookSecret: {},
  };

  it('404 for every operation on an unknown id', async () => {
    for (const o of v.operations.filter((o) => o.path.includes('{'))) {
      const body = o.operation.requestBody ? VALID_BODIES[o.operation.operationId] : undefined;
      if (o.operation.requestBody && body === undefined) throw new Error(`${o.key}: add a valid body to VALID_BODIES`);
      const res = await call(o.method, fill(o.path), { token: boot, body });
      expect(res.status, o.key).toBe(404);
    }
  });

  it('400 for an unknown body field or query parameter; 415 for a body that is not JSON', async () => {
    const real = { id: ids.webhook!, keyId: ids.key!, deliveryId: ids.delivery! };
    for (const o of v.operations) {
      const path = fill(o.path, o.path.startsWith('/webhooks') ? real : {});
      if (o.operation.requestBody) {
        const res = await call(o.method, path, { token: boot, body: { unexpectedField: true } });
        expect(res.status, o.key).toBe(400);
        expect(res.body.errors, o.key).toBeDefined();
        const text = await call(o.method, path, { token: boot, rawBody: 'a=1', contentType: 'text/plain' });
        expect(text.status, o.key).toBe(415);
      }
      if (documents(o, 400) && o.operation.parameters?.some((p) => p.in === 'query')) {
        const res = await call(o.method, `${path}?unexpectedField=1`, { token: boot });
        expect(res.status, o.key).toBe(400);
      }
    }
  });

  it('every operation answered a success and each of its documented 400/401/403/404/409', () => {
    const missing: string[] = [];
    for (const o of v.operations) {
      const seen = v.seen.get(o.key) ?? new Set<number>();
      if (![...seen].some((s) => s < 400)) missing.push(`${o.key}: no success`);
      for (const status of MUST_SEE) if (documents(o, status) && !seen.has(status)) missing.push(`${o.key}: ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it('documents exactly the problem statuses the registry derives', async () => {
    const { OPERATIONS } = await import('@gateway/shared/openapi');
    for (const entry of OPERATIONS) {
      const o = v.operations.find((x) => x.operation.operationId === entry.operationId)!;
      const problems = Object.entries(o.operation.responses)
        .filter(([, r]) => Object.keys(r.content ?? {}).includes('application/problem+json'))
        .map(([s]) => Number(s));
      expect(problems, entry.operationId).toEqual(problemStatusesOf(entry));
    }
  });
});
