import type { SessionResponse } from '@gateway/shared';
import { Router } from 'express';
import { actorOf, SESSION_COOKIE } from '../auth/management-auth.js';
import { toUser } from '../repositories/serialize.js';
import { findActiveSession, revokeSession } from '../repositories/sessions.js';
import { getUserOrThrow } from '../repositories/users.js';
import type { RouteDeps } from './types.js';
import { sessionCookieOptions } from './users.js';

export function sessionRouter(deps: RouteDeps): Router {
  const { prisma } = deps;
  const router = Router();

  // GET /session – who am I (the dashboard's first call)
  router.get('/session', deps.requireActor, async (_req, res) => {
    const actor = actorOf(res);
    if (actor.role === 'admin') {
      res.json({ user: null, role: 'admin', expiresAt: null } satisfies SessionResponse);
      return;
    }
    const [user, session] = await Promise.all([
      getUserOrThrow(prisma, actor, actor.userId),
      findActiveSession(prisma, actor.sessionId),
    ]);
    res.json({
      user: toUser(user),
      role: 'user',
      expiresAt: session?.expiresAt.toISOString() ?? null,
    } satisfies SessionResponse);
  });

  // DELETE /session – sign out: the token stops working at once, the cookie is cleared
  router.delete('/session', deps.requireActor, async (_req, res) => {
    const actor = actorOf(res);
    if (actor.role === 'user') await revokeSession(prisma, actor.sessionId);
    res.clearCookie(SESSION_COOKIE, { ...sessionCookieOptions(deps), expires: undefined });
    res.status(204).end();
  });

  return router;
}
