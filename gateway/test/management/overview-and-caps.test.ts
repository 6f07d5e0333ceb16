import { CreatedApiKeySchema, OverviewResponseSchema, SettingsSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const ADMIN = 'ops@example.com';

describe.each(['postgres', 'pglite'] as Backend[])('admin overview and consumer caps (%s)', (backend) => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let admin: { token: string; userId: string };
  let user: { token: string; userId: string };

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend,
      upstreamUrl: upstream.url,
      env: {
        ADMIN_EMAILS: ADMIN,
        USER_MAX_KEYS: '2',
        USER_MAX_LIMIT_PER_MINUTE: '100',
        USER_MAX_LIMIT_PER_DAY: '5000',
      },
    });
    admin = await login(gw, ADMIN);
    user = await login(gw, 'capped@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  describe('GET /usage (overview)', () => {
    it('sums traffic across every key, with error rate, active keys and top keys', async () => {
      const mk = async (name: string) =>
        CreatedApiKeySchema.parse(
          await (
            await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId: admin.userId, name }) })
          ).json(),
        );
      const busy = await mk('busy');
      const failing = await mk('failing');
      const now = Date.now();
      const insert = (keyId: string, status: number, latency: number, msAgo: number) =>
        gw.gateway.services.db.sql.query(
          `INSERT INTO usage_logs (id, api_key_id, user_id, method, path, status_code, latency_ms, "timestamp")
           VALUES (gen_random_uuid(), $1, (SELECT user_id FROM api_keys WHERE id = $1), 'GET', '/x', $2, $3, $4)`,
          [keyId, status, latency, new Date(now - msAgo)],
        );
      for (let i = 0; i < 30; i++) await insert(busy.id, 200, 10, 120_000 + i * 1000);
      for (let i = 0; i < 6; i++) await insert(failing.id, i < 4 ? 500 : 429, 20, 180_000 + i * 1000);
      await insert(busy.id, 200, 10, 3 * 86_400_000); // outside the default 24 h

      const res = await as(gw, admin.token)('/usage');
      expect(res.status).toBe(200);
      const o = OverviewResponseSchema.parse(await res.json());
      expect(o.totals.requests).toBe(36);
      expect(o.totals.byStatusClass).toEqual({ '2xx': 30, '3xx': 0, '4xx': 2, '5xx': 4 });
      expect(o.totals.rateLimited).toBe(2);
      expect(o.errorRate).toBeCloseTo(6 / 36, 2);
      expect(o.activeKeys).toBe(2);
      expect(o.series.reduce((n, p) => n + p.requests, 0)).toBe(36);
      expect(o.series.reduce((n, p) => n + p.errors, 0)).toBe(6);
      expect(o.topKeysByRequests.map((k) => [k.keyId, k.requests])).toEqual([
        [busy.id, 30],
        [failing.id, 6],
      ]);
      expect(o.topKeysByErrors.map((k) => [k.name, k.errors, k.email])).toEqual([['failing', 6, ADMIN]]);
      expect(o.latencyMs.p50).toBeGreaterThan(9);
      expect(o.latencyMs.p50).toBeLessThan(11.5);
    });

    it("shows a user their own keys' traffic only, and validates its window", async () => {
      const own = OverviewResponseSchema.parse(await (await as(gw, user.token)('/usage')).json());
      expect(own.totals.requests).toBe(0);
      expect(own.activeKeys).toBe(0);
      await expectProblem(await gw.admin('/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'), 400);
      await expectProblem(await gw.admin('/usage?from=yesterday'), 400, 'VALIDATION_FAILED');
      const huge = await gw.admin('/usage?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z');
      expect((await expectProblem(huge, 400, 'VALIDATION_FAILED')).errors?.map((e) => e.path)).toEqual(['from']);
      const fine = await gw.admin(
        `/usage?from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}&bucketSeconds=300`,
      );
      expect((await expectProblem(fine, 400, 'VALIDATION_FAILED')).errors?.map((e) => e.path)).toEqual([
        'bucketSeconds',
      ]);
    });
  });

  describe('consumer caps', () => {
    it('tells everyone signed in their caps; admins change them', async () => {
      expect(SettingsSchema.parse(await (await as(gw, user.token)('/settings')).json())).toEqual({
        maxKeysPerUser: 2,
        maxLimitPerMinute: 100,
        maxLimitPerDay: 5000,
      });
      await expectProblem(
        await as(gw, user.token)('/settings', { method: 'PATCH', body: { maxKeysPerUser: 99 } }),
        403,
        'FORBIDDEN',
      );
      const problem = await expectProblem(
        await gw.admin('/settings', { method: 'PATCH', body: '{"maxKeysPerUser":-1,"maxLimitPerDay":"x"}' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(problem.errors?.map((e) => e.path).sort()).toEqual(['maxKeysPerUser', 'maxLimitPerDay']);
      await expectProblem(await gw.admin('/settings', { method: 'PATCH', body: '{}' }), 400);
    });

    it('bounds what users give themselves, not what admins give', async () => {
      const create = (body: object, token = user.token) => as(gw, token)('/keys', { method: 'POST', body });
      const over = await expectProblem(
        await create({ limitPerMinute: 101, limitPerDay: 5001 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(over.errors).toEqual([
        { path: 'limitPerMinute', message: 'must be at most 100 (your allowance)' },
        { path: 'limitPerDay', message: 'must be at most 5000 (your allowance)' },
      ]);
      // Defaults above the caps are brought down to them.
      const first = CreatedApiKeySchema.parse(await (await create({ name: 'one' })).json());
      expect(first).toMatchObject({ limitPerMinute: 60, limitPerDay: 5000 });
      await expectProblem(
        await as(gw, user.token)(`/keys/${first.id}`, { method: 'PATCH', body: { limitPerMinute: 1_000_000 } }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await create({ name: 'two', limitPerMinute: 100 })).status).toBe(201);
      const third = await expectProblem(await create({ name: 'three' }), 403, 'CAP_EXCEEDED');
      expect(third.detail).toMatch(/2 keys/);
      // Admins may give a user more than the caps.
      const generous = await gw.admin('/keys', {
        method: 'POST',
        body: JSON.stringify({ userId: user.userId, limitPerMinute: 1_000_000 }),
      });
      expect(generous.status).toBe(201);
      const patched = await as(gw, admin.token)(`/keys/${first.id}`, {
        method: 'PATCH',
        body: { limitPerMinute: 50_000 },
      });
      expect(patched.status).toBe(200);
    });

    it('applies changed caps at once', async () => {
      const raised = await as(gw, admin.token)('/settings', {
        method: 'PATCH',
        body: { maxKeysPerUser: 10, maxLimitPerMinute: 200 },
      });
      expect(await raised.json()).toEqual({
        maxKeysPerUser: 10,
        maxLimitPerMinute: 200,
        maxLimitPerDay: 5000,
        keyDefaults: { limitPerMinute: 60, limitPerDay: 10_000 },
      });
      const res = await as(gw, user.token)('/keys', { method: 'POST', body: { limitPerMinute: 200 } });
      expect(res.status).toBe(201);
    });

    it('keeps a key an admin disabled disabled: its owner may not enable it again', async () => {
      const owned = CreatedApiKeySchema.parse(
        await (await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId: user.userId }) })).json(),
      );
      const patch = (token: string, body: object) => as(gw, token)(`/keys/${owned.id}`, { method: 'PATCH', body });
      // The owner's own switch works both ways.
      expect(await (await patch(user.token, { active: false })).json()).toMatchObject({
        active: false,
        disabledByAdmin: false,
      });
      expect(await (await patch(user.token, { active: true })).json()).toMatchObject({ active: true });
      // An admin's does not come undone.
      expect(await (await patch(admin.token, { active: false })).json()).toMatchObject({
        active: false,
        disabledByAdmin: true,
      });
      const refused = await expectProblem(await patch(user.token, { active: true }), 403, 'FORBIDDEN');
      expect(refused.detail).toMatch(/only an admin can enable it/);
      expect((await patch(user.token, { name: 'renamed' })).status).toBe(200);
      expect(await (await patch(admin.token, { active: true })).json()).toMatchObject({
        active: true,
        disabledByAdmin: false,
      });
      expect((await patch(user.token, { active: false })).status).toBe(200);
      expect((await patch(user.token, { active: true })).status).toBe(200);
    });

    it('cannot be raced past the key cap', async () => {
      const racer = await login(gw, 'racer@example.com');
      await gw.admin('/settings', { method: 'PATCH', body: JSON.stringify({ maxKeysPerUser: 3 }) });
      const statuses = await Promise.all(
        Array.from({ length: 8 }, () =>
          as(gw, racer.token)('/keys', { method: 'POST', body: {} }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(3);
      expect(statuses.filter((s) => s === 403)).toHaveLength(5);
    });
  });
});
