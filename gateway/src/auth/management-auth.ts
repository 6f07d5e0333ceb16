import { parse as parseCookie } from 'cookie';
import type { RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { ApiError } from '../errors.js';
import { findActiveSession } from '../repositories/sessions.js';
import type { Actor } from './actor.js';
import { safeEqual, verifySessionToken } from './session-token.js';

export const SESSION_COOKIE = 'gw_session';

/** The authenticated caller of a management route (set by `requireActor`). */
export function actorOf(res: Response): Actor {
  return res.locals.actor as Actor;
}

/**
 * Management API authentication: `Authorization: Bearer <ADMIN_API_TOKEN>` (everything), or a user
 * session as a Bearer token or the HttpOnly cookie (its own data only). Nothing is open without one.
 */
export function createRequireActor(deps: { config: Config; prisma: PrismaClient }): RequestHandler {
  const { config, prisma } = deps;
  return async function requireActor(req, res, next) {
    const header = req.headers.authorization;
    let token: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer +(\S+) *$/i.exec(header);
      if (!match) throw new ApiError('UNAUTHORIZED', 'Authorization must be "Bearer <token>".');
      token = match[1]!;
      if (safeEqual(token, config.ADMIN_API_TOKEN)) {
        res.locals.actor = { role: 'admin' } satisfies Actor;
        return next();
      }
    } else if (req.headers.cookie) {
      token = parseCookie(req.headers.cookie)[SESSION_COOKIE];
    }
    if (!token) throw new ApiError('UNAUTHORIZED', 'Sign in (POST /users) or send the admin token as a Bearer token.');
    const sessionId = verifySessionToken(config.SESSION_SECRET, token);
    const session = sessionId ? await findActiveSession(prisma, sessionId) : null;
    if (!session) throw new ApiError('UNAUTHORIZED', 'The token is invalid, expired or signed out.');
    res.locals.actor = { role: 'user', userId: session.userId, sessionId: session.id } satisfies Actor;
    next();
  };
}
