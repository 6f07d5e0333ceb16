import {
  type CreatedApiKey,
  CreateKeyRequestSchema,
  type KeyLimitsResponse,
  ListKeysQuerySchema,
  type ListKeysResponse,
  RollKeyRequestSchema,
  UpdateKeyRequestSchema,
} from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, changesBetween, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf } from '../auth/management-auth.js';
import type { ApiKey as ApiKeyRow } from '../generated/prisma/client.js';
import type { ConfigChangeNotifier } from '../keys/config-events.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import { toLimit } from '../ratelimit/index.js';
import {
  createKey,
  deleteKey,
  endGracePeriod,
  getKeyOrThrow,
  listKeys,
  rollKey,
  updateKey,
} from '../repositories/keys.js';
import { toApiKey } from '../repositories/serialize.js';
import { getSettings } from '../repositories/settings.js';
import { enqueueWebhookEvent } from '../webhooks/outbox.js';
import type { RouteDeps } from './types.js';

const AUDITED_FIELDS = [
  'name',
  'active',
  'planId',
  'limitPerMinute',
  'limitPerDay',
  'expiresAt',
  'scopes',
  'allowedIps',
  'restrictedByAdmin',
] as const;
// What a roll or an early end of its grace period changes; never a secret or a hash.
const SECRET_FIELDS = ['start', 'previousStart', 'previousExpiresAt'] as const;

/** A row as the audit log records it: an empty allow-list is `null` (every address), as on `ApiKey`. */
const audited = (row: ApiKeyRow) => ({ ...row, allowedIps: row.allowedIps.length > 0 ? row.allowedIps : null });

/** Drops every secret of these rows (current and previous) from every replica's key cache. */
async function secretsChanged(configChanges: ConfigChangeNotifier, ...rows: ApiKeyRow[]): Promise<void> {
  const hashes = new Set<string>();
  for (const row of rows) {
    hashes.add(row.keyHash);
    if (row.previousKeyHash !== null) hashes.add(row.previousKeyHash);
  }
  await Promise.all([...hashes].map((hash) => configChanges.keyChanged(hash)));
}

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
          scopes: r.scopes,
          allowedIps: r.allowedIps.length > 0 ? r.allowedIps : null,
        }),
      });
      await enqueueWebhookEvent(tx, { type: 'key.created', userId: r.userId, data: { key: toApiKey(r) } });
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

  // GET /keys/:id/limits – every window of the key right now (its plan's, overrides, its owner's); counts nothing
  router.get('/keys/:id/limits', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    const row = await getKeyOrThrow(prisma, actorOf(res), id);
    const plan = row.planId === null ? undefined : deps.plans.planOf(row.planId);
    const decision = await deps.limiter.peek(row.id, deps.plans.policyFor(row), row.userId);
    res.json({
      keyId: row.id,
      plan: plan ? { id: plan.id, name: plan.name, timeZone: plan.timeZone } : null,
      windows: decision.windows.map(toLimit),
      backend: decision.backend,
    } satisfies KeyLimitsResponse);
  });

  // PATCH /keys/:id – enable/disable, rename, change limits or expiry
  router.patch('/keys/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    const input = parseOrThrow(UpdateKeyRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    const { row } = await prisma.$transaction(async (tx) => {
      const result = await updateKey(tx, actor, id, input, await getSettings(tx, config));
      const changes = changesBetween(audited(result.before), audited(result.row), [...AUDITED_FIELDS]);
      const onlyActive = Object.keys(changes).length === 1 && changes.active !== undefined;
      if (Object.keys(changes).length > 0) {
        await appendAudit(tx, requestContext(req), {
          action: onlyActive ? (result.row.active ? 'key.enable' : 'key.disable') : 'key.update',
          actor: auditActor(actor),
          target: { type: 'key', id, label: `${result.row.name} (${result.row.start})` },
          subjectUserId: result.row.userId,
          changes,
        });
        await enqueueWebhookEvent(tx, {
          type: 'key.updated',
          userId: result.row.userId,
          data: { key: toApiKey(result.row), changes },
        });
      }
      return result;
    });
    await secretsChanged(configChanges, row);
    logger.info({ keyId: id, changes: Object.keys(input) }, 'api key updated');
    res.json(toApiKey(row));
  });

  // POST /keys/:id/roll – a new secret for the key; the old one works for `graceSeconds` more
  router.post('/keys/:id/roll', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    const { graceSeconds } = parseOrThrow(RollKeyRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    const { before, row, key } = await prisma.$transaction(async (tx) => {
      const result = await rollKey(tx, actor, id, graceSeconds, Date.now());
      await appendAudit(tx, requestContext(req), {
        action: 'key.roll',
        actor: auditActor(actor),
        target: { type: 'key', id, label: `${result.row.name} (${result.row.start})` },
        subjectUserId: result.row.userId,
        changes: changesBetween(result.before, result.row, [...SECRET_FIELDS]),
      });
      await enqueueWebhookEvent(tx, {
        type: 'key.rolled',
        userId: result.row.userId,
        data: { key: toApiKey(result.row), graceSeconds },
      });
      return result;
    });
    // The old secret's entry must go too: it now carries a deadline (or stops at once).
    await secretsChanged(configChanges, before, row);
    logger.info({ keyId: id, start: row.start, graceSeconds }, 'api key rolled');
    res.json({ ...toApiKey(row), key } satisfies CreatedApiKey);
  });

  // DELETE /keys/:id/previous-secret – end a roll's grace period now
  router.delete('/keys/:id/previous-secret', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API key');
    const actor = actorOf(res);
    const { before, row } = await prisma.$transaction(async (tx) => {
      const result = await endGracePeriod(tx, actor, id);
      await appendAudit(tx, requestContext(req), {
        action: 'key.end_grace',
        actor: auditActor(actor),
        target: { type: 'key', id, label: `${result.row.name} (${result.row.start})` },
        subjectUserId: result.row.userId,
        changes: changesBetween(result.before, result.row, [...SECRET_FIELDS]),
      });
      await enqueueWebhookEvent(tx, {
        type: 'key.updated',
        userId: result.row.userId,
        data: { key: toApiKey(result.row), changes: changesBetween(result.before, result.row, [...SECRET_FIELDS]) },
      });
      return result;
    });
    await secretsChanged(configChanges, before);
    logger.info({ keyId: id }, 'api key grace period ended');
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
      await enqueueWebhookEvent(tx, { type: 'key.deleted', userId: deleted.userId, data: { key: toApiKey(deleted) } });
      return deleted;
    });
    await secretsChanged(configChanges, row);
    logger.info({ keyId: id }, 'api key deleted');
    res.status(204).end();
  });

  return router;
}
