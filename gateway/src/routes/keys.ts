import {
  type CreatedApiKey,
  CreateKeyRequestSchema,
  ListKeysQuerySchema,
  type ListKeysResponse,
  UpdateKeyRequestSchema,
} from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, changesBetween, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf } from '../auth/management-auth.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import { createKey, deleteKey, getKeyOrThrow, listKeys, updateKey } from '../repositories/keys.js';
import { toApiKey } from '../repositories/serialize.js';
import { getSettings } from '../repositories/settings.js';
import type { RouteDeps } from './types.js';

const AUDITED_FIELDS = ['name', 'active', 'planId', 'limitPerMinute', 'limitPerDay', 'expiresAt'] as const;

export function keysRouter(deps: RouteDeps): Router {
  const { prisma, config, configChanges, logger } = deps;
  const router = Router();
  const defaults = { limitPerMinute: config.DEFAULT_LIMIT_PER_MINUTE, limitPerDay: config.DEFAULT_LIMIT_PER_DAY };
  router.use('/keys', deps.requireActor);

  // POST /keys – create a key; the only response that ever contains the raw key
  router.post('/keys', async (req, res) => {
    const input = parseOrThrow(CreateKeyRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    const { row, key } = await prisma.$transaction(async (tx) => {
      const created = await createKey(tx, actor, input, defaults, await getSettings(tx, config));
      const r = created.row;
      await appendAudit(tx, requestContext(req), {
        action: 'key.create',
        actor: auditActor(actor),
        target: { type: 'key', id: r.id, label: `${r.name} (${r.start})` },
        subjectUserId: r.userId,
        changes: creationOf({
          name: r.name,
          planId: r.planId,
          limitPerMinute: r.limitPerMinute,
          limitPerDay: r.limitPerDay,
          expiresAt: r.expiresAt,
        }),
      });
      return created;
    });
    logger.info({ keyId: row.id, userId: row.userId, start: row.start }, 'api key created');
    res.status(201).json({ ...toApiKey(row), key } satisfies CreatedApiKey);
  });

  // GET /keys?userId=&search=&state=&limit=&cursor= – newest first (a user sees their own)
  router.get('/keys', async (req, res) => {
    const query = parseOrThrow(ListKeysQuerySchema, req.query, 'query string');
    const { rows, nextCursor } = await listKeys(prisma, actorOf(res), query);
    res.json({ data: rows.map(toApiKey), nextCursor } satisfies ListKeysResponse);
  });

  // GET /keys/:id – one key
  router.get('/keys/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    res.json(toApiKey(await getKeyOrThrow(prisma, actorOf(res), id)));
  });

  // PATCH /keys/:id – enable/disable, rename, change limits or expiry
  router.patch('/keys/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    const input = parseOrThrow(UpdateKeyRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    const { row } = await prisma.$transaction(async (tx) => {
      const result = await updateKey(tx, actor, id, input, await getSettings(tx, config));
      const changes = changesBetween(result.before, result.row, [...AUDITED_FIELDS]);
      const onlyActive = Object.keys(changes).length === 1 && changes.active !== undefined;
      if (Object.keys(changes).length > 0) {
        await appendAudit(tx, requestContext(req), {
          action: onlyActive ? (result.row.active ? 'key.enable' : 'key.disable') : 'key.update',
          actor: auditActor(actor),
          target: { type: 'key', id, label: `${result.row.name} (${result.row.start})` },
          subjectUserId: result.row.userId,
          changes,
        });
      }
      return result;
    });
    await configChanges.keyChanged(row.keyHash);
    logger.info({ keyId: id, changes: Object.keys(input) }, 'api key updated');
    res.json(toApiKey(row));
  });

  // DELETE /keys/:id – delete a key (its usage logs go with it)
  router.delete('/keys/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    const actor = actorOf(res);
    const row = await prisma.$transaction(async (tx) => {
      const deleted = await deleteKey(tx, actor, id);
      await appendAudit(tx, requestContext(req), {
        action: 'key.delete',
        actor: auditActor(actor),
        target: { type: 'key', id, label: `${deleted.name} (${deleted.start})` },
        subjectUserId: deleted.userId,
      });
      return deleted;
    });
    await configChanges.keyChanged(row.keyHash);
    logger.info({ keyId: id }, 'api key deleted');
    res.status(204).end();
  });

  return router;
}
