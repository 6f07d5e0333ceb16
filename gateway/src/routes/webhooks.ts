import {
  CreateWebhookRequestSchema,
  ListWebhookDeliveriesQuerySchema,
  type ListWebhookDeliveriesResponse,
  type ListWebhooksResponse,
  MAX_WEBHOOKS_PER_USER,
  RotateWebhookSecretRequestSchema,
  UpdateWebhookRequestSchema,
  type WebhookTestResponse,
  type WebhookWithSecret,
} from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, changesBetween, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor, confinedTo } from '../auth/actor.js';
import { actorOf } from '../auth/management-auth.js';
import { ApiError } from '../errors.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import {
  assertEventsFor,
  assertWebhookUrl,
  getWebhookOrThrow,
  newSecret,
  ownerForCreate,
  toWebhook,
  toWebhookDelivery,
} from '../repositories/webhooks.js';
import { enqueueWebhookEvent } from '../webhooks/outbox.js';
import { SecretBox } from '../webhooks/secret-box.js';
import type { RouteDeps } from './types.js';

const AUDITED_FIELDS: Array<'url' | 'description' | 'events' | 'enabled'> = ['url', 'description', 'events', 'enabled'];
const DEFAULT_OVERLAP_SECONDS = 86_400;

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new ApiError('VALIDATION_FAILED', 'Invalid query string: cursor is not a valid cursor', {
      errors: [{ path: 'cursor', message: 'is not a valid cursor' }],
    });
  }
  return { createdAt, id };
}

/**
 * Webhook endpoints: users register endpoints for events of their own keys; admins for any user or
 * for the platform (every user's events and the platform's own). The signing secret is shown when
 * an endpoint is created and when its secret is rotated, never again.
 */
export function webhooksRouter(deps: RouteDeps): Router {
  const { prisma, config, logger } = deps;
  const box = new SecretBox(config.SESSION_SECRET);
  const allowPrivate = config.WEBHOOK_ALLOW_PRIVATE_URLS;
  const router = Router();
  router.use('/webhooks', deps.requireActor);

  // GET /webhooks – a user's own endpoints; admins see every endpoint
  router.get('/webhooks', async (_req, res) => {
    const confined = confinedTo(actorOf(res));
    const rows = await prisma.webhookEndpoint.findMany({
      where: confined ? { userId: confined } : {},
      orderBy: { createdAt: 'desc' },
      take: 1000,
    });
    res.json({ data: rows.map(toWebhook) } satisfies ListWebhooksResponse);
  });

  // POST /webhooks – register an endpoint; the answer holds its signing secret, shown only now
  router.post('/webhooks', async (req, res) => {
    const input = parseOrThrow(CreateWebhookRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    await assertWebhookUrl(input.url, allowPrivate);
    const { secret, sealed, start } = newSecret(box);
    const row = await prisma.$transaction(async (tx) => {
      const userId = await ownerForCreate(tx, actor, input);
      assertEventsFor(userId, input.events ?? []);
      if (userId) {
        await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
        const count = await tx.webhookEndpoint.count({ where: { userId } });
        if (count >= MAX_WEBHOOKS_PER_USER) {
          throw new ApiError('CAP_EXCEEDED', `A user may have at most ${MAX_WEBHOOKS_PER_USER} webhook endpoints.`);
        }
      }
      const created = await tx.webhookEndpoint.create({
        data: {
          userId,
          url: input.url,
          description: input.description ?? '',
          events: input.events ?? [],
          secretEncrypted: sealed,
          secretStart: start,
        },
      });
      await appendAudit(tx, requestContext(req), {
        action: 'webhook.create',
        actor: auditActor(actor),
        target: { type: 'webhook', id: created.id, label: created.url },
        subjectUserId: created.userId,
        changes: creationOf({ url: created.url, description: created.description, events: created.events }),
      });
      return created;
    });
    logger.info({ webhookId: row.id, userId: row.userId }, 'webhook endpoint created');
    res.status(201).json({ ...toWebhook(row), secret } satisfies WebhookWithSecret);
  });

  // GET /webhooks/:id
  router.get('/webhooks/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    res.json(toWebhook(await getWebhookOrThrow(prisma, actorOf(res), id)));
  });

  // PATCH /webhooks/:id – url, description, events, enabled (enabling again clears the failure streak)
  router.patch('/webhooks/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    const input = parseOrThrow(UpdateWebhookRequestSchema, req.body, 'request body');
    const actor = actorOf(res);
    if (input.url !== undefined) await assertWebhookUrl(input.url, allowPrivate);
    const row = await prisma.$transaction(async (tx) => {
      const before = await getWebhookOrThrow(tx, actor, id, true);
      if (input.events) assertEventsFor(before.userId, input.events);
      const after = await tx.webhookEndpoint.update({
        where: { id },
        data: {
          ...(input.url !== undefined && { url: input.url }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.events !== undefined && { events: input.events }),
          ...(input.enabled !== undefined && { enabled: input.enabled }),
          ...(input.enabled === true && !before.enabled && { disabledReason: null, failingSince: null }),
        },
      });
      const changes = changesBetween(before, after, AUDITED_FIELDS);
      if (Object.keys(changes).length > 0) {
        await appendAudit(tx, requestContext(req), {
          action: 'webhook.update',
          actor: auditActor(actor),
          target: { type: 'webhook', id, label: after.url },
          subjectUserId: after.userId,
          changes,
        });
      }
      return after;
    });
    res.json(toWebhook(row));
  });

  // DELETE /webhooks/:id – the endpoint and its pending deliveries
  router.delete('/webhooks/:id', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    const actor = actorOf(res);
    await prisma.$transaction(async (tx) => {
      const row = await getWebhookOrThrow(tx, actor, id, true);
      await tx.webhookEndpoint.delete({ where: { id } });
      await appendAudit(tx, requestContext(req), {
        action: 'webhook.delete',
        actor: auditActor(actor),
        target: { type: 'webhook', id, label: row.url },
        subjectUserId: row.userId,
      });
    });
    res.status(204).end();
  });

  // POST /webhooks/:id/rotate-secret {overlapSeconds?} – a new secret; the old one also signs for the overlap
  router.post('/webhooks/:id/rotate-secret', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    const input = parseOrThrow(RotateWebhookSecretRequestSchema, req.body ?? {}, 'request body');
    const actor = actorOf(res);
    const overlap = input.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    const { secret, sealed, start } = newSecret(box);
    const row = await prisma.$transaction(async (tx) => {
      const before = await getWebhookOrThrow(tx, actor, id, true);
      const previousUntil = new Date(Date.now() + overlap * 1000);
      const after = await tx.webhookEndpoint.update({
        where: { id },
        data: {
          secretEncrypted: sealed,
          secretStart: start,
          previousSecretEncrypted: overlap > 0 ? before.secretEncrypted : null,
          previousSecretExpiresAt: overlap > 0 ? previousUntil : null,
        },
      });
      await appendAudit(tx, requestContext(req), {
        action: 'webhook.rotate_secret',
        actor: auditActor(actor),
        target: { type: 'webhook', id, label: after.url },
        subjectUserId: after.userId,
        changes: {
          secretStart: { from: before.secretStart, to: after.secretStart },
          previousSecretExpiresAt: { from: null, to: overlap > 0 ? previousUntil.toISOString() : null },
        },
      });
      return after;
    });
    res.json({ ...toWebhook(row), secret } satisfies WebhookWithSecret);
  });

  // POST /webhooks/:id/test – queues a `webhook.test` event for this endpoint only
  router.post('/webhooks/:id/test', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    const actor = actorOf(res);
    const eventId = await prisma.$transaction(async (tx) => {
      const row = await getWebhookOrThrow(tx, actor, id);
      if (!row.enabled) throw new ApiError('CONFLICT', 'The endpoint is disabled: enable it to send it events.');
      return enqueueWebhookEvent(tx, {
        type: 'webhook.test',
        userId: row.userId,
        endpointId: row.id,
        data: { webhookId: row.id, message: 'A test event sent from the API gateway.' },
      });
    });
    res.status(202).json({ eventId } satisfies WebhookTestResponse);
  });

  // GET /webhooks/:id/deliveries?status=&limit=&cursor= – newest first
  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    const query = parseOrThrow(ListWebhookDeliveriesQuerySchema, req.query, 'query string');
    await getWebhookOrThrow(prisma, actorOf(res), id);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await prisma.webhookDelivery.findMany({
      where: {
        endpointId: id,
        ...(query.status && { status: query.status }),
        ...(after && {
          OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
        }),
      },
      include: { event: { select: { type: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      data: page.map(toWebhookDelivery),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    } satisfies ListWebhookDeliveriesResponse);
  });

  // POST /webhooks/:id/deliveries/:deliveryId/redeliver – the same event again, as a new delivery
  router.post('/webhooks/:id/deliveries/:deliveryId/redeliver', async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'webhook');
    const deliveryId = parseIdOrThrow(req.params.deliveryId, 'delivery');
    const actor = actorOf(res);
    const created = await prisma.$transaction(async (tx) => {
      await getWebhookOrThrow(tx, actor, id);
      const original = await tx.webhookDelivery.findFirst({ where: { id: deliveryId, endpointId: id } });
      if (!original) throw new ApiError('NOT_FOUND', `No delivery with id ${deliveryId} for this webhook.`);
      return tx.webhookDelivery.create({
        data: { eventId: original.eventId, endpointId: id },
        include: { event: { select: { type: true } } },
      });
    });
    res.status(202).json(toWebhookDelivery(created));
  });

  return router;
}
