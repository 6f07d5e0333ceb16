import { type CreatedApiToken, CreateTokenRequestSchema, type ListTokensResponse } from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, creationOf, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf, requireAdmin, requireAdminInPerson } from '../auth/management-auth.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import { createApiToken, getApiTokenOrThrow, listApiTokens } from '../repositories/api-tokens.js';
import { toApiToken } from '../repositories/serialize.js';
import type { RouteDeps } from './types.js';

export function tokensRouter(deps: RouteDeps): Router {
  const { prisma, logger } = deps;
  const router = Router();
  router.use('/tokens', deps.requireActor, requireAdmin);

  // GET /tokens – every management API token, newest first (admins)
  router.get('/tokens', async (_req, res) => {
    res.json({ data: (await listApiTokens(prisma)).map(toApiToken) } satisfies ListTokensResponse);
  });

  // POST /tokens – create a token; the only response that ever contains it (admins in person)
  router.post('/tokens', requireAdminInPerson, async (req, res) => {
    const input = parseOrThrow(CreateTokenRequestSchema, req.body, 'request body');
    const actor = auditActor(actorOf(res));
    const { row, token } = await prisma.$transaction(async (tx) => {
      const created = await createApiToken(tx, input, actor.label);
      await appendAudit(tx, requestContext(req), {
        action: 'token.create',
        actor,
        target: { type: 'token', id: created.row.id, label: created.row.name },
        subjectUserId: actor.kind === 'user' ? actor.id : null,
        changes: creationOf({ name: created.row.name, scope: created.row.scope, expiresAt: created.row.expiresAt }),
      });
      return created;
    });
    logger.info({ tokenId: row.id, scope: row.scope, start: row.start }, 'api token created');
    res.status(201).json({ ...toApiToken(row), token } satisfies CreatedApiToken);
  });

  // DELETE /tokens/:id – revoke a token: it stops working at once (admins in person)
  router.delete('/tokens/:id', requireAdminInPerson, async (req, res) => {
    const id = parseIdOrThrow(req.params.id, 'API token');
    const actor = auditActor(actorOf(res));
    await prisma.$transaction(async (tx) => {
      const row = await getApiTokenOrThrow(tx, id, true);
      if (row.revokedAt) return;
      const revokedAt = new Date();
      await tx.apiToken.update({ where: { id }, data: { revokedAt } });
      await appendAudit(tx, requestContext(req), {
        action: 'token.revoke',
        actor,
        target: { type: 'token', id, label: row.name },
        subjectUserId: actor.kind === 'user' ? actor.id : null,
        changes: { revokedAt: { from: null, to: revokedAt.toISOString() } },
      });
    });
    res.status(204).end();
  });

  return router;
}
