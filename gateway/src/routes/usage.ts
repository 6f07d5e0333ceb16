import { OverviewQuerySchema, UsageQuerySchema } from '@gateway/shared';
import { Router } from 'express';
import { actorOf, requireAdmin } from '../auth/management-auth.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import { getKeyOrThrow } from '../repositories/keys.js';
import { getOverview } from '../usage/overview.js';
import { getUsage } from '../usage/stats.js';
import type { RouteDeps } from './types.js';

export function usageRouter(deps: RouteDeps): Router {
  const router = Router();
  router.use('/usage', deps.requireActor);

  // GET /usage?from=&to=&bucketSeconds= – traffic across every key: totals, series, top keys (admins)
  router.get('/usage', requireAdmin, async (req, res) => {
    res.json(await getOverview(deps.sql, parseOrThrow(OverviewQuerySchema, req.query, 'query string')));
  });

  // GET /usage/:keyId?from=&to=&bucketSeconds=&limit=&cursor= – stats and recent logs of one key (default: last 24 h)
  router.get('/usage/:keyId', async (req, res) => {
    const keyId = parseIdOrThrow(req.params.keyId, 'API key');
    const query = parseOrThrow(UsageQuerySchema, req.query, 'query string');
    await getKeyOrThrow(deps.prisma, actorOf(res), keyId);
    res.json(await getUsage(deps.sql, { keyId, ...query }));
  });

  return router;
}
