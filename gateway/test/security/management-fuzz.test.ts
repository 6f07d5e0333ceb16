import { NO_CONTROL_CHARACTERS_MESSAGE, ProblemSchema } from '@gateway/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { login } from '../support/management.js';
import { rawRequest } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

// Property-based fuzzing of every management route: whatever the body, query string, path
// parameter or credentials, the answer is a 2xx with JSON or a 4xx with a valid problem+json
// document — never a 5xx, never a crash. Runs are bounded (RUNS per property) and seeded by
// fast-check, which prints the seed and the shrunk counterexample when a property fails.
const RUNS = 120;

const FIELDS = [
  'email',
  'userId',
  'name',
  'limitPerMinute',
  'limitPerDay',
  'expiresAt',
  'active',
  'from',
  'to',
  'role',
  'token',
  'scope',
  'maxKeysPerUser',
  'maxLimitPerMinute',
];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', ...FIELDS];

/** Numbers JSON can carry that tend to break things. */
const nastyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324, 1e21),
);

/** One C0 control (NUL, TAB and line breaks included), DEL or C1 control. */
const controlChar = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }), fc.constant(0))
  .map((c) => String.fromCharCode(c));

/** Text with at least one control character somewhere in it. */
const withControl = fc
  .tuple(fc.string({ maxLength: 12 }), controlChar, fc.string({ maxLength: 12 }))
  .map(([a, c, b]) => a + c + b);

/** Strings: any Unicode (including lone surrogates), and a few known troublemakers. */
const nastyString = fc.oneof(
  withControl,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a@b.co\u0000',
    '%00',
    '../../etc/passwd',
    "' OR 1=1 --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style payload, on purpose
    '${jndi:ldap://x}',
    '<script>alert(1)</script>',
    '00000000-0000-0000-0000-000000000000',
    '2026-13-45T25:61:61Z',
    '9999-12-31T23:59:59.999Z',
    '-271821-04-20T00:00:00Z',
    'x'.repeat(5000),
  ),
);

/** Arbitrary JSON-able values, deeply nested, with prototype-pollution and real field names as keys. */
const nastyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...NASTY_KEYS), nastyString), tie('value'), { maxKeys: 6 }),
})).value;

/** Values that pass some validation, so fuzzing also reaches the repositories and the database. */
const plausible = fc.oneof(
  fc.emailAddress(),
  fc.uuid(),
  fc.integer({ min: 1, max: 1_000_000_000 }),
  fc.boolean(),
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.string({ minLength: 1, maxLength: 120 }),
  withControl,
);

/** Objects with the contract's own field names and plausible or hostile values. */
const fieldsObject = fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(plausible, nastyValue), { maxKeys: 5 });

/** A JSON text: usually a serialised value, sometimes a near-valid or invalid one. */
const body = fc.oneof(
  nastyValue.map((v) => JSON.stringify(v) ?? 'null'),
  fieldsObject.map((o) => JSON.stringify(o)),
  fieldsObject.map((o) => JSON.stringify(o)),
  fc
    .record({ k: fc.constantFrom(...NASTY_KEYS), v: nastyValue })
    .map(({ k, v }) => `{"${k}":${JSON.stringify(v) ?? 'null'}}`),
  fc.constantFrom(
    '{"__proto__":{"polluted":"yes"},"email":"proto@example.com"}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"email":"dup@example.com","email":"other@example.com"}',
    '{"limitPerMinute":1e999}',
    '{"limitPerDay":-1e999}',
    '{"limitPerMinute":123456789012345678901234567890}',
    '{"expiresAt":"2999-01-01T00:00:00+25:00"}',
    '[',
    '{"a":',
    '\ufeff{}',
    'null',
    '"string"',
    '12',
    '',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** A query string built from arbitrary names and values (repeated names become arrays). */
const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...NASTY_KEYS, 'limit', 'cursor'), nastyString),
      fc.oneof(nastyString, plausible.map(String)),
    ),
    {
      maxLength: 4,
    },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeText(k)}=${encodeText(v)}`).join('&'));

/** A path segment: arbitrary text percent-encoded, or raw bytes that are not valid encoding at all. */
const segment = fc.oneof(
  nastyString.map(encodeText),
  fc.constantFrom('%', '%zz', '%c0%ae', '%ff%fe', '%00', '%2e%2e', '..%2f', 'a%2fb', '%E2%80%AE', '1e999'),
  fc.uuid(),
);

/** Any header value node:http will send: Latin-1 without controls (CR/LF/NUL: see hostile-input tests). */
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
});

/** encodeURIComponent that survives lone surrogates (it would throw on them). */
function encodeText(s: string): string {
  return encodeURIComponent(
    s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}

describe('management API fuzzing', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let session: string;
  let keyId: string;
  const seen = new Map<number, number>();

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: {
        SIGN_IN_PER_EMAIL_PER_MINUTE: '10000',
        SIGN_IN_PER_EMAIL_PER_DAY: '10000',
        SIGN_IN_PER_ADDRESS_PER_MINUTE: '1000000',
        SIGN_IN_PER_ADDRESS_PER_DAY: '1000000',
        USER_MAX_KEYS: '100000',
      },
    });
    session = (await login(gw, 'fuzz@example.com')).token;
    const res = await fetch(`${gw.managementUrl}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
      body: '{}',
    });
    keyId = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** Sends one request and checks the answer is a 2xx with JSON or a 4xx problem document. */
  async function check(method: string, path: string, init: { token?: string; body?: string; headers?: object } = {}) {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    // node:http, not fetch: the path goes out exactly as generated, and any Latin-1 header value too.
    const res = await rawRequest(gw.managementUrl, { method, path, headers, body: init.body });
    const text = res.body.toString('utf8');
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    const where = `${method} ${path} ${init.body ?? ''} → ${res.status} ${text.slice(0, 300)}`;
    expect(res.status, where).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers['content-type'], where).toBe('application/problem+json');
      const problem = ProblemSchema.safeParse(JSON.parse(text));
      expect(problem.success, where).toBe(true);
      expect(problem.data?.status, where).toBe(res.status);
    } else if (String(res.headers['content-type']).startsWith('application/x-ndjson')) {
      for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line), where).not.toThrow();
    } else if (res.status !== 204) {
      expect(() => JSON.parse(text), where).not.toThrow();
    }
    return { status: res.status, text };
  }

  /** Expects a 400 that names `field` as holding control characters. */
  async function expectControlRefused(
    method: string,
    path: string,
    field: string,
    init: { token?: string; body?: string },
  ) {
    const { status, text } = await check(method, path, init);
    const where = `${method} ${path} ${init.body ?? ''} → ${status} ${text.slice(0, 300)}`;
    expect(status, where).toBe(400);
    expect(JSON.parse(text).errors, where).toContainEqual({ path: field, message: NO_CONTROL_CHARACTERS_MESSAGE });
  }

  const run = (prop: fc.IAsyncProperty<never> | fc.IAsyncPropertyWithHooks<never>, numRuns = RUNS) =>
    fc.assert(prop as fc.IAsyncProperty<unknown>, { numRuns, endOnFailure: true });

  it('POST /users and PATCH /users/:id with any body, as the admin', async () => {
    await run(
      fc.asyncProperty(body, segment, async (b, id) => {
        await check('POST', '/users', { token: gw.adminToken, body: b });
        await check('PATCH', `/users/${id}`, { token: gw.adminToken, body: b });
      }) as never,
    );
  });

  it('the sign-in routes with any body', async () => {
    await run(
      fc.asyncProperty(body, async (b) => {
        await check('POST', '/auth/email', { body: b, headers: { 'x-forwarded-for': '203.0.113.9' } });
        await check('POST', '/auth/email/verify', { body: b });
      }) as never,
    );
  });

  it('POST /tokens and PATCH /settings with any body', async () => {
    await run(
      fc.asyncProperty(body, async (b) => {
        await check('POST', '/tokens', { token: gw.adminToken, body: b });
        await check('PATCH', '/settings', { token: gw.adminToken, body: b });
      }) as never,
    );
  });

  it('GET /users, /audit and /usage (overview) with any query string', async () => {
    await run(
      fc.asyncProperty(query, async (q) => {
        await check('GET', `/users?${q}`, { token: gw.adminToken });
        await check('GET', `/audit?${q}`, { token: session });
        await check('GET', `/audit/export?${q}`, { token: gw.adminToken });
        await check('GET', `/usage?${q}`, { token: gw.adminToken });
      }) as never,
    );
  });

  it('GET /users/by-email with any query string', async () => {
    await run(
      fc.asyncProperty(query, nastyString, async (q, email) => {
        await check('GET', `/users/by-email?email=${encodeText(email)}&${q}`, { token: gw.adminToken });
        await check('GET', `/users/by-email?${q}`, { token: session });
      }) as never,
    );
  });

  it('POST /keys with any body, as a session and as the admin', async () => {
    await run(
      fc.asyncProperty(body, async (b) => {
        await check('POST', '/keys', { token: session, body: b });
        await check('POST', '/keys', { token: gw.adminToken, body: b });
      }) as never,
    );
  });

  it('GET /keys with any query string', async () => {
    await run(
      fc.asyncProperty(query, async (q) => {
        await check('GET', `/keys?${q}`, { token: gw.adminToken });
      }) as never,
    );
  });

  it('GET, PATCH and DELETE /keys/:id with any id', async () => {
    await run(
      fc.asyncProperty(segment, async (id) => {
        await check('GET', `/keys/${id}`, { token: session });
        await check('PATCH', `/keys/${id}`, { token: session, body: '{"name":"x"}' });
        await check('DELETE', `/keys/${id}`, { token: gw.adminToken });
      }) as never,
    );
  });

  it('PATCH /keys/:id with any body', async () => {
    await run(
      fc.asyncProperty(body, async (b) => {
        await check('PATCH', `/keys/${keyId}`, { token: session, body: b });
      }) as never,
    );
  });

  it('GET /usage/:keyId with any id and query string', async () => {
    await run(
      fc.asyncProperty(segment, query, nastyString, nastyString, async (id, q, from, to) => {
        await check('GET', `/usage/${id}?${q}`, { token: session });
        await check('GET', `/usage/${keyId}?${q}`, { token: session });
        await check('GET', `/usage/${keyId}?from=${encodeText(from)}&to=${encodeText(to)}`, { token: session });
      }) as never,
    );
  });

  it('GET and DELETE /auth/session (and every route) with any credentials', async () => {
    await run(
      fc.asyncProperty(headerValue, headerValue, async (authorization, cookie) => {
        const headers = { authorization, cookie: `gw_session=${cookie}` };
        await check('GET', '/auth/session', { headers });
        await check('DELETE', '/auth/session', { headers });
        await check('GET', `/keys/${keyId}`, { headers });
      }) as never,
    );
  });

  it('refuses control characters (NUL included) in every free-text body field with a 400 naming it', async () => {
    await run(
      fc.asyncProperty(withControl, async (t) => {
        const s = JSON.stringify(t);
        await expectControlRefused('POST', '/keys', 'name', { token: session, body: `{"name":${s}}` });
        await expectControlRefused('POST', '/keys', 'name', { token: gw.adminToken, body: `{"name":${s}}` });
        await expectControlRefused('PATCH', `/keys/${keyId}`, 'name', { token: session, body: `{"name":${s}}` });
        const token = `{"name":${s},"scope":"read"}`;
        await expectControlRefused('POST', '/tokens', 'name', { token: gw.adminToken, body: token });
        const email = JSON.stringify(`a${t}@example.com`);
        await expectControlRefused('POST', '/users', 'email', { token: gw.adminToken, body: `{"email":${email}}` });
        await expectControlRefused('POST', '/auth/email', 'email', { body: `{"email":${email}}` });
        const verify = `{"email":"a@example.com","token":${s}}`;
        await expectControlRefused('POST', '/auth/email/verify', 'token', { body: verify });
      }) as never,
    );
  });

  it('refuses control characters in every free-text query parameter with a 400 naming it', async () => {
    await run(
      fc.asyncProperty(withControl, async (t) => {
        const q = encodeText(t);
        await expectControlRefused('GET', `/keys?search=${q}`, 'search', { token: session });
        await expectControlRefused('GET', `/keys?cursor=${q}`, 'cursor', { token: session });
        await expectControlRefused('GET', `/users?search=${q}`, 'search', { token: gw.adminToken });
        await expectControlRefused('GET', `/audit?actorId=${q}`, 'actorId', { token: gw.adminToken });
        await expectControlRefused('GET', `/audit/export?targetId=${q}`, 'targetId', { token: gw.adminToken });
        const email = encodeText(`a${t}@example.com`);
        await expectControlRefused('GET', `/users/by-email?email=${email}`, 'email', { token: gw.adminToken });
      }) as never,
    );
  });

  it('concurrent DELETE /keys/:id of one key: 204 once, 404 for the rest, one audit entry', async () => {
    await run(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 3 }), async (deletes, patches) => {
        const created = await check('POST', '/keys', { token: session, body: '{"name":"race"}' });
        const id = (JSON.parse(created.text) as { id: string }).id;
        const answers = await Promise.all([
          ...Array.from({ length: deletes }, (_, i) =>
            check('DELETE', `/keys/${id}`, { token: i % 2 ? session : gw.adminToken }),
          ),
          ...Array.from({ length: patches }, () =>
            check('PATCH', `/keys/${id}`, { token: session, body: '{"name":"y"}' }),
          ),
        ]);
        const deleted = answers.slice(0, deletes).map((a) => a.status);
        expect(deleted.filter((st) => st === 204)).toHaveLength(1);
        expect(deleted.filter((st) => st === 404)).toHaveLength(deletes - 1);
        for (const a of answers.slice(deletes)) expect([200, 404]).toContain(a.status);
        expect((await check('PATCH', `/keys/${id}`, { token: session, body: '{"name":"z"}' })).status).toBe(404);
        const audit = await check('GET', `/audit?targetId=${id}&action=key.delete`, { token: gw.adminToken });
        expect(JSON.parse(audit.text).data).toHaveLength(1);
      }) as never,
      20,
    );
  });

  it('concurrent DELETE /tokens/:id of one token: every answer 204, revoked once (one audit entry)', async () => {
    await run(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), async (revokes) => {
        const created = await check('POST', '/tokens', {
          token: gw.adminToken,
          body: '{"name":"race","scope":"read"}',
        });
        const id = (JSON.parse(created.text) as { id: string }).id;
        const answers = await Promise.all(
          Array.from({ length: revokes }, () => check('DELETE', `/tokens/${id}`, { token: gw.adminToken })),
        );
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 204));
        const audit = await check('GET', `/audit?targetId=${id}&action=token.revoke`, { token: gw.adminToken });
        expect(JSON.parse(audit.text).data).toHaveLength(1);
      }) as never,
      20,
    );
  });

  it('leaves Object.prototype alone and the process up', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    // Sanity: the fuzzing reached both sides of the validation, not only one kind of refusal.
    expect([...seen.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
    expect(seen.get(400)).toBeGreaterThan(0);
    expect(seen.get(404)).toBeGreaterThan(0);
    expect(seen.get(401)).toBeGreaterThan(0);
  });
});
