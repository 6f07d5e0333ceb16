import {
  type AuthProvidersResponse,
  EmailSignInRequestSchema,
  type EmailSignInResponse,
  type SessionResponse,
  type SessionStatusResponse,
  VerifyEmailRequestSchema,
} from '@gateway/shared';
import { Router } from 'express';
import { appendAudit, requestContext } from '../audit/audit-log.js';
import { type Actor, auditActor } from '../auth/actor.js';
import { actorOf, assertDashboardOrigin, SESSION_COOKIE } from '../auth/management-auth.js';
import { nameBasedId } from '../auth/name-based-id.js';
import { sessionCookieOptions, signIn } from '../auth/sign-in.js';
import { consumeSignInToken, issueSignInLink, signInMail } from '../auth/sign-in-link.js';
import { ApiError } from '../errors.js';
import { parseOrThrow } from '../middleware/validate.js';
import { keyLimits } from '../ratelimit/index.js';
import { toUser } from '../repositories/serialize.js';
import { revokeSession, revokeUserSessions } from '../repositories/sessions.js';
import { getUserOrThrow } from '../repositories/users.js';
import type { RouteDeps } from './types.js';

export function authRouter(deps: RouteDeps): Router {
  const { config, prisma, limiter, mailer, logger } = deps;
  const router = Router();

  async function throttle(id: string, perMinute: number, perDay: number, what: string) {
    const decision = await limiter.check(id, keyLimits(Math.min(perMinute, perDay), perDay));
    if (!decision.allowed) {
      throw new ApiError('RATE_LIMITED', `Too many sign-in requests ${what}; try again later.`, {
        headers: { 'Retry-After': String(decision.retryAfterSeconds) },
      });
    }
  }

  async function sessionOf(actor: Actor): Promise<SessionResponse> {
    if (actor.kind === 'session') {
      const [user, session] = await Promise.all([
        getUserOrThrow(prisma, actor, actor.userId),
        prisma.session.findUnique({ where: { id: actor.sessionId } }),
      ]);
      return {
        user: toUser(user),
        role: user.role,
        credential: 'session',
        scope: 'write',
        expiresAt: session?.expiresAt.toISOString() ?? null,
      };
    }
    if (actor.kind === 'token') {
      const token = await prisma.apiToken.findUnique({ where: { id: actor.tokenId } });
      return {
        user: null,
        role: 'admin',
        credential: 'token',
        scope: actor.scope,
        expiresAt: token?.expiresAt?.toISOString() ?? null,
      };
    }
    return { user: null, role: 'admin', credential: 'bootstrap', scope: 'write', expiresAt: null };
  }

  // GET /auth/providers – how one may sign in here (public: the sign-in page asks)
  router.get('/auth/providers', (_req, res) => {
    const body: AuthProvidersResponse = {
      email: { enabled: true, devMailbox: mailer.kind === 'dev-mailbox' },
      oidc: config.OIDC_ISSUER ? { name: config.OIDC_NAME, startUrl: '/auth/oidc/start' } : null,
    };
    res.json(body);
  });

  // POST /auth/email – mail a one-time sign-in link; 202 whether or not the address is known
  router.post('/auth/email', async (req, res) => {
    const { email } = parseOrThrow(EmailSignInRequestSchema, req.body, 'request body');
    await throttle(
      nameBasedId(`sign-in-address:${req.ip}`),
      config.SIGN_IN_PER_ADDRESS_PER_MINUTE,
      config.SIGN_IN_PER_ADDRESS_PER_DAY,
      'from your address',
    );
    await throttle(
      nameBasedId(`sign-in-email:${email}`),
      config.SIGN_IN_PER_EMAIL_PER_MINUTE,
      config.SIGN_IN_PER_EMAIL_PER_DAY,
      'for this email',
    );
    const known =
      config.SIGN_UP === 'open' ||
      config.ADMIN_EMAILS.includes(email) ||
      (await prisma.user.findUnique({ where: { email }, select: { id: true } })) !== null;
    if (known) {
      const { link } = await issueSignInLink(prisma, config, email, req.headers.origin);
      try {
        await mailer.send(signInMail(email, link, config.SIGN_IN_LINK_TTL_MINUTES));
      } catch (err) {
        logger.error({ err: (err as Error).message, requestId: requestContext(req).requestId }, 'sign-in mail failed');
        throw new ApiError('SERVICE_UNAVAILABLE', 'The sign-in mail could not be sent; try again shortly.', {
          headers: { 'Retry-After': '30' },
        });
      }
    }
    const body: EmailSignInResponse = { status: 'sent', expiresInSeconds: config.SIGN_IN_LINK_TTL_MINUTES * 60 };
    res.status(202).json(body);
  });

  // POST /auth/email/verify – exchange the link's token for a session (cookie + token)
  router.post('/auth/email/verify', async (req, res) => {
    // Login CSRF: a foreign page must not sign the browser in as someone else. Scripts send no Origin.
    if (req.headers.origin !== undefined) assertDashboardOrigin(req, config);
    const { email, token } = parseOrThrow(VerifyEmailRequestSchema, req.body, 'request body');
    if (!(await consumeSignInToken(prisma, email, token))) {
      throw new ApiError(
        'INVALID_SIGN_IN_LINK',
        'This sign-in link is invalid, expired or already used. Ask for a new one.',
      );
    }
    res.json(await signIn(deps, req, res, { email, method: 'email' }));
  });

  // GET /auth/session – who is calling
  router.get('/auth/session', deps.requireActor, async (_req, res) => {
    res.json(await sessionOf(actorOf(res)));
  });

  // GET /auth/session/status – who is calling, or `{ signedIn: false }` (200 either way: no console error)
  router.get('/auth/session/status', async (req, res) => {
    let body: SessionStatusResponse = { signedIn: false };
    try {
      await deps.requireActor(req, res, () => undefined);
      body = { signedIn: true, session: await sessionOf(actorOf(res)) };
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'UNAUTHORIZED')) throw err;
    }
    res.json(body);
  });

  // DELETE /auth/session – sign out: this session's token stops working at once
  router.delete('/auth/session', deps.requireActor, async (req, res) => {
    const actor = actorOf(res);
    if (actor.kind === 'session') {
      await prisma.$transaction(async (tx) => {
        if (!(await revokeSession(tx, actor.sessionId))) return;
        await appendAudit(tx, requestContext(req), {
          action: 'auth.sign_out',
          actor: auditActor(actor),
          target: { type: 'session', id: actor.sessionId, label: actor.email },
          subjectUserId: actor.userId,
        });
      });
    }
    res.clearCookie(SESSION_COOKIE, { ...sessionCookieOptions(config), expires: undefined });
    res.status(204).end();
  });

  // DELETE /auth/sessions – sign out everywhere: every session of the signed-in user ends
  router.delete('/auth/sessions', deps.requireActor, async (req, res) => {
    const actor = actorOf(res);
    if (actor.kind !== 'session') {
      throw new ApiError('BAD_REQUEST', 'Only a signed-in user has sessions; admins use DELETE /users/:id/sessions.');
    }
    await prisma.$transaction(async (tx) => {
      const ended = await revokeUserSessions(tx, actor.userId);
      await appendAudit(tx, requestContext(req), {
        action: 'auth.sign_out_all',
        actor: auditActor(actor),
        target: { type: 'user', id: actor.userId, label: actor.email },
        subjectUserId: actor.userId,
        changes: { openSessions: { from: ended, to: 0 } },
      });
    });
    res.clearCookie(SESSION_COOKIE, { ...sessionCookieOptions(config), expires: undefined });
    res.status(204).end();
  });

  return router;
}
