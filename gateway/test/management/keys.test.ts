import { ApiKeySchema, CreatedApiKeySchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/keys/api-key.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe.each(['postgres', 'pglite'] as Backend[])('keys (%s)', (backend) => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend,
      upstreamUrl: upstream.url,
      env: { LOG_LEVEL: 'debug', USER_MAX_KEYS: '1000' },
    });
    alice = await login(gw, 'alice@example.com');
    bob = await login(gw, 'bob@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const createAs = async (token: string, body: unknown = {}) => {
    const res = await as(gw, token)('/keys', { method: 'POST', body });
    expect(res.status).toBe(201);
    return CreatedApiKeySchema.parse(await res.json());
  };

  describe('POST /keys', () => {
    it('creates a key for the signed-in user with default limits and shows the raw key once', async () => {
      const key = await createAs(alice.token, { name: 'ci' });
      expect(key).toMatchObject({
        userId: alice.userId,
        name: 'ci',
        active: true,
        limitPerMinute: 60,
        limitPerDay: 10_000,
      });
      expect(key.key).toMatch(/^ak_/);
      expect(key.key.startsWith(key.start)).toBe(true);
      expect(key.lastUsedAt).toBeNull();
    });

    it('lets the admin create a key for any user with limits and expiry', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const key = await createAs(gw.adminToken, { userId: bob.userId, limitPerMinute: 5, limitPerDay: 100, expiresAt });
      expect(key).toMatchObject({ userId: bob.userId, limitPerMinute: 5, limitPerDay: 100, expiresAt });
    });

    it('stores only the SHA-256 of the key', async () => {
      const key = await createAs(alice.token);
      const { rows } = await gw.gateway.services.db.sql.query<Record<string, unknown>>(
        'SELECT * FROM api_keys WHERE id = $1',
        [key.id],
      );
      expect(rows[0]!.key_hash).toBe(hashApiKey(key.key));
      expect(JSON.stringify(rows[0])).not.toContain(key.key);
    });

    it.each([
      ['a zero limit', { limitPerMinute: 0 }, 'limitPerMinute'],
      ['a negative limit', { limitPerDay: -5 }, 'limitPerDay'],
      ['a fractional limit', { limitPerMinute: 1.5 }, 'limitPerMinute'],
      ['a string limit', { limitPerMinute: '10' }, 'limitPerMinute'],
      ['a huge limit', { limitPerDay: 1e12 }, 'limitPerDay'],
      ['an empty name', { name: '   ' }, 'name'],
      ['a long name', { name: 'x'.repeat(101) }, 'name'],
      ['an unknown field', { name: 'x', keyHash: 'abc' }, '(body)'],
      ['a bad date', { expiresAt: 'tomorrow' }, 'expiresAt'],
      ['a past date', { expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      ['a non-uuid userId', { userId: 'bob' }, 'userId'],
    ])('answers 400 for %s', async (_name, body, path) => {
      const problem = await expectProblem(
        await as(gw, alice.token)('/keys', { method: 'POST', body }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    });

    it('requires userId with the admin token and 404s for an unknown user', async () => {
      await expectProblem(await gw.admin('/keys', { method: 'POST', body: '{}' }), 400, 'VALIDATION_FAILED');
      await expectProblem(
        await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId: MISSING_ID }) }),
        404,
      );
    });

    it('does not let a session create a key for another user', async () => {
      await expectProblem(await as(gw, alice.token)('/keys', { method: 'POST', body: { userId: bob.userId } }), 404);
    });

    it('answers 401 without credentials', async () => {
      await expectProblem(await as(gw, undefined)('/keys', { method: 'POST', body: {} }), 401);
    });
  });

  describe('GET /keys and GET /keys/:id', () => {
    it('lists only the caller’s keys, never a hash or raw key', async () => {
      const created = await createAs(bob.token, { name: 'bob-only' });
      const res = await as(gw, bob.token)('/keys');
      const text = await res.text();
      expect(text).not.toContain(created.key);
      expect(text).not.toMatch(/keyHash|key_hash/);
      const { data } = JSON.parse(text) as { data: unknown[] };
      const keys = data.map((k) => ApiKeySchema.strict().parse(k));
      expect(keys.every((k) => k.userId === bob.userId)).toBe(true);
      expect(keys.map((k) => k.id)).toContain(created.id);
      const alices = (await (await as(gw, alice.token)('/keys')).json()) as { data: { id: string }[] };
      expect(alices.data.map((k) => k.id)).not.toContain(created.id);
    });

    it('lets the admin filter by user', async () => {
      const res = await gw.admin(`/keys?userId=${alice.userId}`);
      const { data } = (await res.json()) as { data: { userId: string }[] };
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((k) => k.userId === alice.userId)).toBe(true);
      await expectProblem(await gw.admin('/keys?userId=nope'), 400, 'VALIDATION_FAILED');
    });

    it('returns one key to its owner and 404 to anyone else', async () => {
      const key = await createAs(alice.token);
      const own = await as(gw, alice.token)(`/keys/${key.id}`);
      expect(own.status).toBe(200);
      expect(await own.text()).not.toContain(key.key);
      await expectProblem(await as(gw, bob.token)(`/keys/${key.id}`), 404, 'NOT_FOUND');
      expect((await gw.admin(`/keys/${key.id}`)).status).toBe(200);
    });

    it('answers 404 alike for a malformed id and a missing one, naming no "(body)"', async () => {
      // A key id that is not a UUID cannot exist: the dashboard shows "not found", not a retry (issue 16).
      for (const [method, path] of [
        ['GET', '/keys/123'],
        ['PATCH', '/keys/not-a-key'],
        ['DELETE', '/keys/%20'],
        ['GET', '/usage/123'],
      ] as const) {
        const body = method === 'PATCH' ? { active: false } : undefined;
        const problem = await expectProblem(await as(gw, alice.token)(path, { method, body }), 404, 'NOT_FOUND');
        expect(problem.detail, `${method} ${path}`).toBe('No API key with this id (API key ids are UUIDs).');
        expect(problem.errors).toBeUndefined();
      }
      await expectProblem(await as(gw, alice.token)(`/keys/${MISSING_ID}`), 404, 'NOT_FOUND');
    });
  });

  describe('PATCH /keys/:id', () => {
    it('disables, renames and changes limits', async () => {
      const key = await createAs(alice.token);
      const res = await as(gw, alice.token)(`/keys/${key.id}`, {
        method: 'PATCH',
        body: { active: false, name: 'renamed', limitPerMinute: 7, limitPerDay: 70, expiresAt: null },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ active: false, name: 'renamed', limitPerMinute: 7, limitPerDay: 70 });
    });

    it.each([
      ['an empty body', {}],
      ['a non-boolean active', { active: 'no' }],
      ['a zero limit', { limitPerDay: 0 }],
      ['an unknown field', { userId: MISSING_ID }],
    ])('answers 400 for %s', async (_name, body) => {
      const key = await createAs(alice.token);
      await expectProblem(
        await as(gw, alice.token)(`/keys/${key.id}`, { method: 'PATCH', body }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('answers 404 for another user’s key and leaves it unchanged', async () => {
      const key = await createAs(alice.token);
      await expectProblem(
        await as(gw, bob.token)(`/keys/${key.id}`, { method: 'PATCH', body: { active: false } }),
        404,
      );
      expect(((await (await as(gw, alice.token)(`/keys/${key.id}`)).json()) as { active: boolean }).active).toBe(true);
    });
  });

  describe('DELETE /keys/:id', () => {
    it('deletes a key (204), after which it is gone', async () => {
      const key = await createAs(alice.token);
      expect((await as(gw, alice.token)(`/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await as(gw, alice.token)(`/keys/${key.id}`), 404);
      await expectProblem(await as(gw, alice.token)(`/keys/${key.id}`, { method: 'DELETE' }), 404);
    });

    it('answers 404 for another user’s key and keeps it', async () => {
      const key = await createAs(alice.token);
      await expectProblem(await as(gw, bob.token)(`/keys/${key.id}`, { method: 'DELETE' }), 404);
      expect((await as(gw, alice.token)(`/keys/${key.id}`)).status).toBe(200);
    });
  });

  it('never writes a raw key or token to the log', async () => {
    const key = await createAs(alice.token, { name: 'log-check' });
    await as(gw, alice.token)(`/keys/${key.id}`, { method: 'PATCH', body: { active: false } });
    const logs = gw.logs();
    expect(logs).toContain(key.id);
    expect(logs).not.toContain(key.key);
    expect(logs).not.toContain(alice.token);
    expect(logs).not.toContain(gw.adminToken);
  });
});
