import { CreatePlanRequestSchema, type ListPlansResponse, type Plan, UpdatePlanRequestSchema } from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, changesBetween, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf, requireAdmin } from '../auth/management-auth.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import {
  assertPlanNotManagedByFile,
  createPlan,
  deletePlan,
  getPlanOrThrow,
  listPlans,
  toPlan,
  updatePlan,
} from '../repositories/plans.js';
import type { RouteDeps } from './types.js';

const AUDITED_FIELDS = ['name', 'description', 'timeZone', 'windows'] as const;

export function plansRouter(deps: RouteDeps): Router {
  const { prisma, configChanges, logger, plans } = deps;
  // This replica holds the change before answering (a client's next request may come back here at
  // once); the event then reaches the others.
  const announce = async () => {
    await plans.reload();
    await configChanges.changed('plans');
  };
  const router = Router();
  router.use('/plans', deps.requireActor, requireAdmin);

  // GET /plans – every plan, by name (admins)
  router.get('/plans', async (_req, res) => {
    const rows = await listPlans(prisma);
    res.json({ data: rows.map(toPlan) } satisfies ListPlansResponse);
  });

  // GET /plans/:id – one plan (admins)
  router.get('/plans/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'plan');
    res.json(toPlan(await getPlanOrThrow(prisma, id)) satisfies Plan);
  });

  // POST /plans – create a plan (admins)
  router.post('/plans', async (req, res) => {
    const input = parseOrThrow(CreatePlanRequestSchema, req.body, 'request body');
    const row = await prisma.$transaction(async (tx) => {
      const created = await createPlan(tx, input);
      await appendAudit(tx, requestContext(req), {
        action: 'plan.create',
        actor: auditActor(actorOf(res)),
        target: { type: 'plan', id: created.id, label: created.name },
        subjectUserId: null,
        changes: creationOf({
          name: created.name,
          description: created.description,
          timeZone: created.timeZone,
          windows: created.windows,
        }),
      });
      return created;
    });
    await announce();
    logger.info({ planId: row.id, name: row.name }, 'plan created');
    res.status(201).json(toPlan(row) satisfies Plan);
  });

  // PATCH /plans/:id – change a plan (admins): every key on it follows at once, on every replica
  router.patch('/plans/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'plan');
    const input = parseOrThrow(UpdatePlanRequestSchema, req.body, 'request body');
    const row = await prisma.$transaction(async (tx) => {
      assertPlanNotManagedByFile(await getPlanOrThrow(tx, id));
      const { before, row } = await updatePlan(tx, id, input);
      const changes = changesBetween(before, row, [...AUDITED_FIELDS]);
      if (Object.keys(changes).length > 0) {
        await appendAudit(tx, requestContext(req), {
          action: 'plan.update',
          actor: auditActor(actorOf(res)),
          target: { type: 'plan', id, label: row.name },
          subjectUserId: null,
          changes,
        });
      }
      return row;
    });
    await announce();
    logger.info({ planId: id, changes: Object.keys(input) }, 'plan updated');
    res.json(toPlan(row) satisfies Plan);
  });

  // DELETE /plans/:id – delete a plan no key uses (409 while keys use it)
  router.delete('/plans/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'plan');
    const row = await prisma.$transaction(async (tx) => {
      assertPlanNotManagedByFile(await getPlanOrThrow(tx, id));
      const deleted = await deletePlan(tx, id);
      await appendAudit(tx, requestContext(req), {
        action: 'plan.delete',
        actor: auditActor(actorOf(res)),
        target: { type: 'plan', id, label: deleted.name },
        subjectUserId: null,
      });
      return deleted;
    });
    await announce();
    logger.info({ planId: id, name: row.name }, 'plan deleted');
    res.status(204).end();
  });

  return router;
}
