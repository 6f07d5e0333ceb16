import { IdSchema, UsageQuerySchema } from '@gateway/shared';
import { Router } from 'express';
import { actorOf } from '../auth/management-auth.js';
import { parseOrThrow } from '../middleware/validate.js';
import { getKeyOrThrow } from '../repositories/keys.js';
import { getUsage, resolveWindow } from '../usage/stats.js';
import type { RouteDeps } from './types.js';

export function usageRouter(deps: RouteDeps): Router {
  const router = Router();

  // GET /usage/:keyId?from=&to=&limit=&cursor= – stats and recent logs of one key (default: last 24 h)
  router.get('/usage/:keyId', deps.requireActor, async (req, res) => {
    const keyId = parseOrThrow(IdSchema, req.params.keyId, 'key id');
    const query = parseOrThrow(UsageQuerySchema, req.query, 'query string');
    await getKeyOrThrow(deps.prisma, actorOf(res), keyId);
    const { from, to } = resolveWindow(query);
    res.json(await getUsage(deps.sql, { keyId, from, to, limit: query.limit, cursor: query.cursor }));
  });

  return router;
}
