import { ApplyConfigRequestSchema, type ApplyConfigResponse } from '@gateway/shared';
import { Router } from 'express';
import { requireAdmin } from '../auth/management-auth.js';
import { applyConfigFile, readConfigFile } from '../declarative/apply.js';
import { formatChanges } from '../declarative/diff.js';
import { describeIssue } from '../declarative/file.js';
import { ApiError } from '../errors.js';
import { requestIdOf } from '../middleware/request-id.js';
import { parseOrThrow } from '../middleware/validate.js';
import type { RouteDeps } from './types.js';

/**
 * `POST /config/apply {file, dryRun}`: the declarative configuration file, sent by the CLI (or CI)
 * the way decK sends Kong's. A dry run answers the changes without making them; otherwise they are
 * made in one transaction and reach every replica. An invalid file is a 400 listing every problem
 * with its line and column.
 */
export function configRouter(deps: RouteDeps): Router {
  const { prisma, configChanges, logger } = deps;
  const router = Router();
  router.use('/config', deps.requireActor, requireAdmin);

  router.post('/config/apply', async (req, res) => {
    const input = parseOrThrow(ApplyConfigRequestSchema, req.body, 'request body');
    const parsed = readConfigFile(input.file);
    if (!parsed.ok) {
      const errors = parsed.issues.map((issue) => ({
        path: issue.path ? `file.${issue.path}` : 'file',
        message: describeIssue({ ...issue, path: '' }),
      }));
      throw new ApiError(
        'VALIDATION_FAILED',
        `The configuration file is not valid: ${parsed.issues.map((issue) => describeIssue(issue)).join('; ')}`,
        { errors },
      );
    }
    const result = await applyConfigFile(prisma, parsed.value, { dryRun: input.dryRun, requestId: requestIdOf(req) });
    for (const topic of result.changedTopics) await configChanges.changed(topic);
    if (!input.dryRun && result.changes.length > 0) {
      logger.info({ changes: result.changes.length }, 'configuration file applied through the API');
    }
    res.json({
      dryRun: input.dryRun,
      changes: result.changes.map((change) => ({
        kind: change.kind,
        action: change.action,
        name: change.name,
        ...(change.action === 'update' && { fields: change.fields, adopt: change.adopt }),
      })),
      summary: formatChanges(result.changes),
    } satisfies ApplyConfigResponse);
  });

  return router;
}
