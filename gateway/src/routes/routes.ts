import { CreateRouteRequestSchema, type ListRoutesResponse, UpdateRouteRequestSchema } from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, changesBetween, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf, requireAdmin } from '../auth/management-auth.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import {
  assertNotManagedByFile,
  createRoute,
  deleteRoute,
  getRouteOrThrow,
  listRoutes,
  toRoute,
  updateRoute,
} from '../repositories/routes.js';
import type { RouteDeps } from './types.js';

const AUDITED_FIELDS = [
  'name',
  'prefix',
  'targets',
  'timeoutMs',
  'retries',
  'stripPrefix',
  'enabled',
  'cost',
  'ejectAfterFailures',
  'ejectCooldownMs',
] as const;

/** `/routes`: admins define where `/proxy/<prefix>/…` goes. Every change reaches every replica's route table. */
export function routesRouter(deps: RouteDeps): Router {
  const { prisma, configChanges, logger } = deps;
  const router = Router();
  router.use('/routes', deps.requireActor, requireAdmin);

  // GET /routes – every configured route, longest prefix first (the implicit `default` is not listed)
  router.get('/routes', async (_req, res) => {
    res.json({ data: (await listRoutes(prisma)).map(toRoute) } satisfies ListRoutesResponse);
  });

  // GET /routes/:id – one route
  router.get('/routes/:id', async (req, res) => {
    res.json(toRoute(await getRouteOrThrow(prisma, parseIdOrThrow(req.params.id, 'route'))));
  });

  // POST /routes – create a route
  router.post('/routes', async (req, res) => {
    const input = parseOrThrow(CreateRouteRequestSchema, req.body, 'request body');
    const actor = auditActor(actorOf(res));
    const row = await prisma.$transaction(async (tx) => {
      const created = await createRoute(tx, input);
      await appendAudit(tx, requestContext(req), {
        action: 'route.create',
        actor,
        target: { type: 'route', id: created.id, label: created.name },
        subjectUserId: null,
        changes: creationOf(Object.fromEntries(AUDITED_FIELDS.map((f) => [f, created[f]]))),
      });
      return created;
    });
    await configChanges.changed('routes');
    logger.info({ routeId: row.id, name: row.name, prefix: row.prefix }, 'route created');
    res.status(201).json(toRoute(row));
  });

  // PATCH /routes/:id – change any of a route's fields
  router.patch('/routes/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'route');
    const input = parseOrThrow(UpdateRouteRequestSchema, req.body, 'request body');
    const actor = auditActor(actorOf(res));
    const row = await prisma.$transaction(async (tx) => {
      assertNotManagedByFile(await getRouteOrThrow(tx, id, true));
      const { before, row } = await updateRoute(tx, id, input);
      const changes = changesBetween(before, row, [...AUDITED_FIELDS]);
      if (Object.keys(changes).length > 0) {
        await appendAudit(tx, requestContext(req), {
          action: 'route.update',
          actor,
          target: { type: 'route', id, label: row.name },
          subjectUserId: null,
          changes,
        });
      }
      return row;
    });
    await configChanges.changed('routes');
    logger.info({ routeId: id, changes: Object.keys(input) }, 'route updated');
    res.json(toRoute(row));
  });

  // DELETE /routes/:id – delete a route; its prefix falls to the next shorter one (or the default route)
  router.delete('/routes/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'route');
    const actor = auditActor(actorOf(res));
    await prisma.$transaction(async (tx) => {
      assertNotManagedByFile(await getRouteOrThrow(tx, id, true));
      const row = await deleteRoute(tx, id);
      await appendAudit(tx, requestContext(req), {
        action: 'route.delete',
        actor,
        target: { type: 'route', id, label: row.name },
        subjectUserId: null,
        changes: { prefix: { from: row.prefix, to: null } },
      });
    });
    await configChanges.changed('routes');
    logger.info({ routeId: id }, 'route deleted');
    res.status(204).end();
  });

  return router;
}
