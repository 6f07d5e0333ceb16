import {
  UsageAnalyticsQuerySchema,
  UsageExportQuerySchema,
  UsageLogsQuerySchema,
  type UsageLogsResponse,
  UsageQuerySchema,
} from '@gateway/shared';
import { Router } from 'express';
import { confinedTo } from '../auth/actor.js';
import { actorOf } from '../auth/management-auth.js';
import { parseIdOrThrow, parseOrThrow } from '../middleware/validate.js';
import { getKeyOrThrow } from '../repositories/keys.js';
import { getUsageAnalytics } from '../usage/analytics.js';
import type { UsageScope } from '../usage/analytics-filter.js';
import { streamUsageExport } from '../usage/export.js';
import { listRequestLog } from '../usage/request-log.js';
import { getUsage } from '../usage/stats.js';
import type { RouteDeps } from './types.js';

// Admins see every key's usage; a user only their own keys'. Filters narrow that further: one naming
// someone else's key or user finds nothing (an empty answer, as for an id that does not exist).
const scopeOf = (res: Parameters<typeof actorOf>[0]): UsageScope => ({ ownerId: confinedTo(actorOf(res)) });

export function usageRouter(deps: RouteDeps): Router {
  const router = Router();
  router.use('/usage', deps.requireActor);

  // GET /usage?from=&to=&bucketSeconds=&groupBy=&top=&<filters> – totals, series, top groups + other, top keys
  router.get('/usage', async (req, res) => {
    const query = parseOrThrow(UsageAnalyticsQuerySchema, req.query, 'query string');
    res.json(await getUsageAnalytics(deps.sql, scopeOf(res), query, deps.config.USAGE_MAX_RAW_SCAN_ROWS));
  });

  // Registered before /usage/:keyId, which would take "logs" and "export" for key ids.
  // GET /usage/logs?from=&to=&limit=&cursor=&<filters> – the request log, newest first
  router.get('/usage/logs', async (req, res) => {
    const query = parseOrThrow(UsageLogsQuerySchema, req.query, 'query string');
    res.json((await listRequestLog(deps.sql, scopeOf(res), query)) satisfies UsageLogsResponse);
  });

  // GET /usage/export?format=csv|ndjson&from=&to=&groupBy=&<filters> – the log or a grouped table, streamed
  router.get('/usage/export', async (req, res) => {
    const query = parseOrThrow(UsageExportQuerySchema, req.query, 'query string');
    await streamUsageExport(deps.sql, scopeOf(res), query, res);
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
