import { LoginRequestSchema, type LoginResponse, UserByEmailQuerySchema } from '@gateway/shared';
import { type CookieOptions, Router } from 'express';
import { actorOf, SESSION_COOKIE } from '../auth/management-auth.js';
import { signSessionToken } from '../auth/session-token.js';
import { parseOrThrow } from '../middleware/validate.js';
import { toUser } from '../repositories/serialize.js';
import { createSession } from '../repositories/sessions.js';
import { getUserByEmailOrThrow, upsertUserByEmail } from '../repositories/users.js';
import type { RouteDeps } from './types.js';

export function sessionCookieOptions(deps: RouteDeps, expires?: Date): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: deps.config.SECURE_COOKIES, path: '/', expires };
}

export function usersRouter(deps: RouteDeps): Router {
  const { prisma, config } = deps;
  const router = Router();

  // POST /users – email-only sign-in: create or get the user, open a session
  router.post('/users', async (req, res) => {
    const { email } = parseOrThrow(LoginRequestSchema, req.body, 'request body');
    const { user, created } = await upsertUserByEmail(prisma, email);
    const session = await createSession(prisma, user.id, config.SESSION_TTL_HOURS);
    const token = signSessionToken(config.SESSION_SECRET, session.id, session.expiresAt);
    res.cookie(SESSION_COOKIE, token, sessionCookieOptions(deps, session.expiresAt));
    const body: LoginResponse = { user: toUser(user), token, expiresAt: session.expiresAt.toISOString() };
    res.status(created ? 201 : 200).json(body);
  });

  // GET /users/by-email?email= – fetch a user (admin: anyone; session: itself)
  router.get('/users/by-email', deps.requireActor, async (req, res) => {
    const { email } = parseOrThrow(UserByEmailQuerySchema, req.query, 'query string');
    res.json(toUser(await getUserByEmailOrThrow(prisma, actorOf(res), email)));
  });

  return router;
}
