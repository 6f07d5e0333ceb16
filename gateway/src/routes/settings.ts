import { type Settings, type SettingsResponse, UpdateSettingsRequestSchema } from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, changesBetween, requestContext } from '../audit/audit-log.js';
import { auditActor } from '../auth/actor.js';
import { actorOf, requireAdmin } from '../auth/management-auth.js';
import { parseOrThrow } from '../middleware/validate.js';
import { getSettings, updateSettings } from '../repositories/settings.js';
import type { RouteDeps } from './types.js';

const FIELDS: (keyof Settings)[] = ['maxKeysPerUser', 'maxLimitPerMinute', 'maxLimitPerDay'];

export function settingsRouter(deps: RouteDeps): Router {
  const { prisma, config } = deps;
  const router = Router();
  const keyDefaults = { limitPerMinute: config.DEFAULT_LIMIT_PER_MINUTE, limitPerDay: config.DEFAULT_LIMIT_PER_DAY };
  const respond = (settings: Settings): SettingsResponse => ({ ...settings, keyDefaults });
  router.use('/settings', deps.requireActor);

  // GET /settings – the consumer caps and key defaults (anyone signed in: the dashboard shows users their allowance)
  router.get('/settings', async (_req, res) => {
    res.json(respond(await getSettings(prisma, config)));
  });

  // PATCH /settings – change the consumer caps (admins)
  router.patch('/settings', requireAdmin, async (req, res) => {
    const patch = parseOrThrow(UpdateSettingsRequestSchema, req.body, 'request body');
    const ctx = requestContext(req);
    const after = await prisma.$transaction(async (tx) => {
      const before = await getSettings(tx, config);
      await updateSettings(tx, patch);
      const after = await getSettings(tx, config);
      const changes = changesBetween(before, after, FIELDS);
      if (Object.keys(changes).length > 0) {
        await appendAudit(tx, ctx, {
          action: 'settings.update',
          actor: auditActor(actorOf(res)),
          target: { type: 'settings', id: null, label: 'consumer caps' },
          subjectUserId: null,
          changes,
        });
      }
      return after;
    });
    res.json(respond(after));
  });

  return router;
}
