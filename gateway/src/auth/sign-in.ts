import type { SignInResponse } from '@gateway/shared';
import type { CookieOptions, Request, Response } from 'express';
import { appendAudit, requestContext } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { toUser } from '../repositories/serialize.js';
import { createSession, revokeSession } from '../repositories/sessions.js';
import { upsertUserByEmail } from '../repositories/users.js';
import type { RouteDeps } from '../routes/types.js';
import { SESSION_COOKIE, sessionCookieOf } from './management-auth.js';
import { signSessionToken, verifySessionToken } from './session-token.js';

export function sessionCookieOptions(config: Config, expires?: Date): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: config.SECURE_COOKIES, path: '/', expires };
}

export interface SignInIdentity {
  /** A verified email address (the mailed link was opened, or the OpenID provider vouches for it). */
  email: string;
  method: 'email' | 'oidc';
  /** The OpenID provider's admin claim matched OIDC_ADMIN_VALUES. */
  admin?: boolean;
}

/**
 * Opens a session for a verified email: creates the user on first sight (unless SIGN_UP=closed),
 * makes ADMIN_EMAILS (and SSO admins) admins, rotates the session (any session the browser still
 * carried ends), sets the HttpOnly cookie and records the sign-in in the audit log.
 */
export async function signIn(
  deps: RouteDeps,
  req: Request,
  res: Response,
  identity: SignInIdentity,
): Promise<SignInResponse> {
  const { config, prisma } = deps;
  const ctx = requestContext(req);
  const wantsAdmin = identity.admin === true || config.ADMIN_EMAILS.includes(identity.email);
  const previous = sessionCookieOf(req);
  const previousId = previous ? verifySessionToken(config.SESSION_SECRET, previous) : null;

  const { user, session } = await prisma.$transaction(async (tx) => {
    if (config.SIGN_UP === 'closed' && !wantsAdmin) {
      const known = await tx.user.findUnique({ where: { email: identity.email } });
      if (!known) throw new ApiError('FORBIDDEN', 'Sign-up is closed: ask an admin to add you.');
    }
    const { user: found, created } = await upsertUserByEmail(tx, identity.email, wantsAdmin ? 'admin' : 'user');
    const promoted = wantsAdmin && found.role !== 'admin';
    const user = await tx.user.update({
      where: { id: found.id },
      data: { lastSignInAt: new Date(), ...(promoted ? { role: 'admin' } : {}) },
    });
    if (previousId) await revokeSession(tx, previousId);
    const session = await createSession(tx, user.id, identity.method, config.SESSION_TTL_HOURS);
    await appendAudit(tx, ctx, {
      action: 'auth.sign_in',
      actor: { kind: 'user', id: user.id, label: user.email },
      target: { type: 'user', id: user.id, label: user.email },
      subjectUserId: user.id,
      changes: {
        method: { from: null, to: identity.method },
        ...(created ? { user: { from: null, to: 'created' } } : {}),
        ...(created || promoted ? { role: { from: created ? null : 'user', to: user.role } } : {}),
      },
    });
    return { user, session };
  });

  const token = signSessionToken(config.SESSION_SECRET, session.id, session.expiresAt);
  res.cookie(SESSION_COOKIE, token, sessionCookieOptions(config, session.expiresAt));
  deps.logger.info({ userId: user.id, method: identity.method, requestId: ctx.requestId }, 'signed in');
  return { user: toUser(user), token, expiresAt: session.expiresAt.toISOString() };
}
