import {
  ApiKeySchema,
  CreatedApiKeySchema,
  ListAuditResponseSchema,
  ListPlansResponseSchema,
  PlanSchema,
} from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('plans', () => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let alice: { token: string; userId: string };
  let n = 0;
  const unique = (base: string) => `${base}-${++n}`;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
    alice = await login(gw, 'alice@example.com');
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const admin = (path: string, init: Parameters<ReturnType<typeof as>>[1] = {}) => as(gw, gw.adminToken)(path, init);

  async function createPlan(body: Record<string, unknown>) {
    const res = await admin('/plans', {
      method: 'POST',
      body: { name: unique('plan'), windows: [{ unit: 'day', limit: 1_000 }], ...body },
    });
    expect(res.status).toBe(201);
    return PlanSchema.parse(await res.json());
  }

  async function auditOf(action: string, targetId: string) {
    const res = await admin(`/audit?action=${action}&targetId=${targetId}`);
    return ListAuditResponseSchema.parse(await res.json()).data;
  }

  describe('POST /plans', () => {
    it('creates a plan with defaults (UTC, key scope, enforced) and audits it', async () => {
      const name = unique('pro');
      const res = await admin('/plans', {
        method: 'POST',
        body: {
          name,
          description: 'For teams',
          windows: [
            { unit: 'minute', limit: 600 },
            { unit: 'month', limit: 1e6, scope: 'owner' },
          ],
        },
      });
      expect(res.status).toBe(201);
      const plan = PlanSchema.parse(await res.json());
      expect(plan).toMatchObject({
        name,
        description: 'For teams',
        timeZone: 'UTC',
        keyCount: 0,
        windows: [
          { unit: 'minute', limit: 600, scope: 'key', shadow: false },
          { unit: 'month', limit: 1e6, scope: 'owner', shadow: false },
        ],
      });
      const [entry] = await auditOf('plan.create', plan.id);
      expect(entry?.target).toEqual({ type: 'plan', id: plan.id, label: name });
      expect(entry?.changes.timeZone).toEqual({ from: null, to: 'UTC' });
    });

    it.each([
      ['an unknown unit', { windows: [{ unit: 'week', limit: 1 }] }, 'windows.0.unit'],
      ['a limit of 0', { windows: [{ unit: 'day', limit: 0 }] }, 'windows.0.limit'],
      ['a fractional limit', { windows: [{ unit: 'day', limit: 1.5 }] }, 'windows.0.limit'],
      [
        'two windows of one unit and scope',
        {
          windows: [
            { unit: 'day', limit: 1 },
            { unit: 'day', limit: 2 },
          ],
        },
        'windows.1',
      ],
      ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['a name that is not a slug', { name: 'Pro Plan' }, 'name'],
      ['an unknown field', { price: 10 }, '(body)'],
      ['no window at all', { windows: [] }, 'windows'],
      [
        'a shadow flag that is not a boolean',
        { windows: [{ unit: 'day', limit: 1, shadow: 'yes' }] },
        'windows.0.shadow',
      ],
    ])('refuses %s with 400 problem+json', async (_what, body, path) => {
      const res = await admin('/plans', {
        method: 'POST',
        body: { name: unique('bad'), windows: [{ unit: 'day', limit: 1_000 }], ...body },
      });
      const problem = await expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toContain(path);
    });

    it('allows one key window and one owner window of the same unit', async () => {
      const plan = await createPlan({
        windows: [
          { unit: 'day', limit: 10 },
          { unit: 'day', limit: 100, scope: 'owner' },
        ],
      });
      expect(plan.windows).toHaveLength(2);
    });

    it('refuses a second plan of the same name with 409', async () => {
      const plan = await createPlan({});
      const res = await admin('/plans', {
        method: 'POST',
        body: { name: plan.name, windows: [{ unit: 'day', limit: 1 }] },
      });
      await expectProblem(res, 409, 'CONFLICT');
    });

    it('is for admins only', async () => {
      const res = await as(gw, alice.token)('/plans', {
        method: 'POST',
        body: { name: unique('mine'), windows: [{ unit: 'day', limit: 1 }] },
      });
      await expectProblem(res, 403, 'FORBIDDEN');
    });
  });

  describe('GET /plans', () => {
    it('lists plans with their key counts, and one by id', async () => {
      const plan = await createPlan({ timeZone: 'Europe/Berlin', windows: [{ unit: 'day', limit: 5 }] });
      await admin('/keys', { method: 'POST', body: { userId: alice.userId, planId: plan.id } });
      const list = ListPlansResponseSchema.parse(await (await admin('/plans')).json());
      expect(list.data.find((p) => p.id === plan.id)).toMatchObject({ keyCount: 1, timeZone: 'Europe/Berlin' });
      const one = PlanSchema.parse(await (await admin(`/plans/${plan.id}`)).json());
      expect(one.keyCount).toBe(1);
    });

    it('answers 404 for an unknown plan and for a malformed id', async () => {
      await expectProblem(await admin(`/plans/${MISSING_ID}`), 404, 'NOT_FOUND');
      await expectProblem(await admin('/plans/not-a-uuid'), 404, 'NOT_FOUND');
    });
  });

  describe('PATCH /plans/:id', () => {
    it('changes the windows and audits from → to', async () => {
      const plan = await createPlan({ windows: [{ unit: 'minute', limit: 10 }] });
      const res = await admin(`/plans/${plan.id}`, {
        method: 'PATCH',
        body: { windows: [{ unit: 'minute', limit: 20, shadow: true }], timeZone: 'Asia/Kolkata' },
      });
      expect(res.status).toBe(200);
      const changed = PlanSchema.parse(await res.json());
      expect(changed.windows).toEqual([{ unit: 'minute', limit: 20, scope: 'key', shadow: true }]);
      expect(changed.timeZone).toBe('Asia/Kolkata');
      const [entry] = await auditOf('plan.update', plan.id);
      expect(entry?.changes.timeZone).toEqual({ from: 'UTC', to: 'Asia/Kolkata' });
      expect(entry?.changes.windows?.to).toEqual([{ unit: 'minute', limit: 20, scope: 'key', shadow: true }]);
    });

    it('refuses an empty change, a taken name and an unknown plan', async () => {
      const [a, b] = [await createPlan({}), await createPlan({})];
      await expectProblem(await admin(`/plans/${a.id}`, { method: 'PATCH', body: {} }), 400, 'VALIDATION_FAILED');
      await expectProblem(await admin(`/plans/${a.id}`, { method: 'PATCH', body: { name: b.name } }), 409, 'CONFLICT');
      await expectProblem(
        await admin(`/plans/${MISSING_ID}`, { method: 'PATCH', body: { name: 'x' } }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('DELETE /plans/:id', () => {
    it('refuses while a key uses the plan, deletes it once none does, and audits it', async () => {
      const plan = await createPlan({ windows: [{ unit: 'day', limit: 5 }] });
      const key = CreatedApiKeySchema.parse(
        await (await admin('/keys', { method: 'POST', body: { userId: alice.userId, planId: plan.id } })).json(),
      );
      const refused = await expectProblem(await admin(`/plans/${plan.id}`, { method: 'DELETE' }), 409, 'CONFLICT');
      expect(refused.detail).toContain('1 key uses this plan');
      await admin(`/keys/${key.id}`, { method: 'PATCH', body: { planId: null } });
      expect((await admin(`/plans/${plan.id}`, { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await admin(`/plans/${plan.id}`), 404, 'NOT_FOUND');
      expect(await auditOf('plan.delete', plan.id)).toHaveLength(1);
    });
  });

  describe('plans on keys', () => {
    it('lets an admin put a key on a plan: its own limits stay unset (the plan’s apply)', async () => {
      const plan = await createPlan({ windows: [{ unit: 'minute', limit: 5 }] });
      const res = await admin('/keys', { method: 'POST', body: { userId: alice.userId, planId: plan.id } });
      const key = CreatedApiKeySchema.parse(await res.json());
      expect(key).toMatchObject({ planId: plan.id, limitPerMinute: null, limitPerDay: null });
      // The owner sees the plan on their key.
      const mine = ApiKeySchema.parse(await (await as(gw, alice.token)(`/keys/${key.id}`)).json());
      expect(mine.planId).toBe(plan.id);
      const [entry] = await auditOf('key.create', key.id);
      expect(entry?.changes.planId).toEqual({ from: null, to: plan.id });
    });

    it('keeps a key without a plan exactly as before: the defaults are its limits', async () => {
      const key = CreatedApiKeySchema.parse(
        await (await admin('/keys', { method: 'POST', body: { userId: alice.userId } })).json(),
      );
      expect(key).toMatchObject({ planId: null, limitPerMinute: 60, limitPerDay: 10_000 });
    });

    it('refuses an unknown plan with 400 naming planId', async () => {
      const res = await admin('/keys', { method: 'POST', body: { userId: alice.userId, planId: MISSING_ID } });
      const problem = await expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toEqual(['planId']);
    });

    it('does not let a consumer choose a plan, nor change the limits of a key on one', async () => {
      const plan = await createPlan({ windows: [{ unit: 'minute', limit: 5 }] });
      const user = as(gw, alice.token);
      await expectProblem(await user('/keys', { method: 'POST', body: { planId: plan.id } }), 403, 'FORBIDDEN');
      const own = CreatedApiKeySchema.parse(await (await user('/keys', { method: 'POST', body: {} })).json());
      await expectProblem(
        await user(`/keys/${own.id}`, { method: 'PATCH', body: { planId: plan.id } }),
        403,
        'FORBIDDEN',
      );
      await admin(`/keys/${own.id}`, { method: 'PATCH', body: { planId: plan.id } });
      await expectProblem(
        await user(`/keys/${own.id}`, { method: 'PATCH', body: { limitPerMinute: 600 } }),
        403,
        'FORBIDDEN',
      );
      // Renaming stays theirs.
      expect((await user(`/keys/${own.id}`, { method: 'PATCH', body: { name: 'renamed' } })).status).toBe(200);
    });

    it('answers 400, not 500, when the plan is deleted while a key is being put on it', async () => {
      const plan = await createPlan({});
      const { prisma } = gw.gateway.services.db;
      const committed = deferred();
      // The delete holds the plan's row: the key's insert passes the existence check, then waits for it.
      const deleting = prisma.$transaction(async (tx) => {
        await tx.plan.delete({ where: { id: plan.id } });
        await committed.promise;
      });
      const creating = admin('/keys', { method: 'POST', body: { userId: alice.userId, planId: plan.id } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      committed.resolve();
      await deleting;
      const problem = await expectProblem(await creating, 400, 'VALIDATION_FAILED');
      expect(problem.errors?.map((e) => e.path)).toEqual(['planId']);
    });

    it('lets an admin override a plan’s minute window on one key and clear the override again', async () => {
      const plan = await createPlan({ windows: [{ unit: 'minute', limit: 5 }] });
      const key = CreatedApiKeySchema.parse(
        await (
          await admin('/keys', { method: 'POST', body: { userId: alice.userId, planId: plan.id, limitPerMinute: 50 } })
        ).json(),
      );
      expect(key.limitPerMinute).toBe(50);
      const cleared = await admin(`/keys/${key.id}`, { method: 'PATCH', body: { limitPerMinute: null } });
      expect(ApiKeySchema.parse(await cleared.json()).limitPerMinute).toBeNull();
    });
  });
});
