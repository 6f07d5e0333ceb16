import { AuditQuerySchema, type ListAuditResponse } from '@gateway/shared';
import { Router } from 'express';
import { toAuditEntry } from '../audit/audit-log.js';
import { actorOf } from '../auth/management-auth.js';
import { parseOrThrow } from '../middleware/validate.js';
import { listAudit } from '../repositories/audit.js';
import type { RouteDeps } from './types.js';

// An export streams pages of this size until the filter is exhausted or EXPORT_MAX entries went out.
const EXPORT_PAGE = 1_000;
const EXPORT_MAX = 1_000_000;

export function auditRouter(deps: RouteDeps): Router {
  const { prisma } = deps;
  const router = Router();
  router.use('/audit', deps.requireActor);

  // GET /audit?action=&actorId=&targetId=&userId=&from=&to=&limit=&cursor= – newest first (users: their own)
  router.get('/audit', async (req, res) => {
    const query = parseOrThrow(AuditQuerySchema, req.query, 'query string');
    const { rows, nextCursor } = await listAudit(prisma, actorOf(res), query, query.limit);
    res.json({ data: rows.map(toAuditEntry), nextCursor } satisfies ListAuditResponse);
  });

  // GET /audit/export?… – the same filter as NDJSON, one entry per line, every page
  router.get('/audit/export', async (req, res) => {
    const query = parseOrThrow(AuditQuerySchema, req.query, 'query string');
    const actor = actorOf(res);
    // The first page is read before the headers go out: a bad cursor or a database outage is then
    // answered as a problem, not as a downloaded file holding one.
    let page = await listAudit(prisma, actor, query, EXPORT_PAGE);
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="audit-log.ndjson"');
    let sent = 0;
    for (;;) {
      const lines = page.rows.map((row) => `${JSON.stringify(toAuditEntry(row))}\n`).join('');
      sent += page.rows.length;
      // Respect backpressure: a slow reader must not make the export buffer the whole log in memory.
      if (lines && !res.write(lines)) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed || !page.nextCursor || sent >= EXPORT_MAX) break;
      page = await listAudit(prisma, actor, { ...query, cursor: page.nextCursor }, EXPORT_PAGE);
    }
    res.end();
  });

  return router;
}
