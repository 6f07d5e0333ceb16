import type { TokenScope } from '@gateway/shared';
import { parse as parseCookie } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { PrismaClient } from '../db/client.js';
import { ApiError } from '../errors.js';
import { isDashboardOrigin } from '../http/dashboard-origins.js';
import { SESSION_COOKIE } from '../http/gateway-cookies.js';
import { findActiveApiToken } from '../repositories/api-tokens.js';
import { findActiveSession } from '../repositories/sessions.js';
import type { Actor } from './actor.js';
import { safeEqual, verifySessionToken } from './session-token.js';

export { SESSION_COOKIE } from '../http/gateway-cookies.js';
export const API_TOKEN_PREFIX = 'gwt_';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const VERIFY_PATH = '/keys/verify';

/** A stored token scope as the contract knows it (anything unexpected reads as the least: `read`). */
export function tokenScope(stored: string): TokenScope {
  return stored === 'write' || stored === 'verify' ? stored : 'read';
}

/** The authenticated caller of a management route (set by `requireActor`). */
export function actorOf(res: Response): Actor {
  return res.locals.actor as Actor;
}

/** The session token a request carries in the gateway's cookie, if any. */
export function sessionCookieOf(req: Request): string | undefined {
  return req.headers.cookie ? parseCookie(req.headers.cookie)[SESSION_COOKIE] : undefined;
}

/**
 * CSRF: a browser sends the session cookie with any request to this host — from the dashboard, but
 * also from a page served through the proxy listener (same site, other port) or any other site's
 * form. Mutations authenticated by the cookie must come from a dashboard origin (the same set CORS
 * allows, see `allowedDashboardOrigins`). Browsers always send `Origin` on POST/PATCH/DELETE, so a
 * missing one is refused too.
 */
export function assertDashboardOrigin(req: Request, config: Config): void {
  if (isDashboardOrigin(config, req.headers.origin)) return;
  throw new ApiError(
    'ORIGIN_NOT_ALLOWED',
    'Requests authenticated by the session cookie must come from the dashboard (Origin is not allowed).',
  );
}

/**
 * Management API authentication. `Authorization: Bearer <token>` carries the bootstrap ADMIN_API_TOKEN,
 * a management API token (`gwt_…`) or a session token; without it, the `gw_session` cookie. Nothing is
 * open without one. Read-only tokens may only read.
 */
export function createRequireActor(deps: { config: Config; prisma: PrismaClient }): RequestHandler {
  const { config, prisma } = deps;

  async function fromSession(token: string, viaCookie: boolean): Promise<Actor> {
    const sessionId = verifySessionToken(config.SESSION_SECRET, token);
    const session = sessionId ? await findActiveSession(prisma, sessionId, config.SESSION_IDLE_HOURS) : null;
    if (!session) throw new ApiError('UNAUTHORIZED', 'The session is invalid, expired or signed out. Sign in again.');
    return {
      kind: 'session',
      userId: session.userId,
      sessionId: session.id,
      email: session.user.email,
      role: session.user.role,
      viaCookie,
    };
  }

  return async function requireActor(req, res, next) {
    const header = req.headers.authorization;
    let actor: Actor;
    if (header !== undefined) {
      const match = /^Bearer +(\S+) *$/i.exec(header);
      if (!match) throw new ApiError('UNAUTHORIZED', 'Authorization must be "Bearer <token>".');
      const token = match[1]!;
      if (safeEqual(token, config.ADMIN_API_TOKEN)) {
        actor = { kind: 'bootstrap' };
      } else if (token.startsWith(API_TOKEN_PREFIX)) {
        const row = await findActiveApiToken(prisma, token);
        if (!row) throw new ApiError('UNAUTHORIZED', 'The API token is invalid, expired or revoked.');
        actor = { kind: 'token', tokenId: row.id, name: row.name, scope: tokenScope(row.scope) };
      } else {
        actor = await fromSession(token, false);
      }
    } else {
      const token = sessionCookieOf(req);
      if (!token) {
        throw new ApiError(
          'UNAUTHORIZED',
          'Sign in, or send a management API token as "Authorization: Bearer <token>".',
        );
      }
      actor = await fromSession(token, true);
      if (!SAFE_METHODS.has(req.method)) assertDashboardOrigin(req, config);
    }
    if (actor.kind === 'token' && actor.scope === 'read' && !SAFE_METHODS.has(req.method)) {
      throw new ApiError('INSUFFICIENT_SCOPE', 'This API token may only read (scope "read").');
    }
    if (actor.kind === 'token' && actor.scope === 'verify' && !(req.method === 'POST' && req.path === VERIFY_PATH)) {
      throw new ApiError(
        'INSUFFICIENT_SCOPE',
        `This API token may only verify API keys (scope "verify": POST ${VERIFY_PATH}).`,
      );
    }
    res.locals.actor = actor;
    next();
  };
}

/** Admins only (sessions of role admin, API tokens, the bootstrap token); users get 403. */
export const requireAdmin: RequestHandler = function requireAdmin(_req, res, next) {
  const actor = actorOf(res);
  if (actor.kind === 'session' && actor.role !== 'admin') {
    throw new ApiError('FORBIDDEN', 'Only platform admins may do this.');
  }
  next();
};

/**
 * Admins in person (an admin session or the bootstrap token): managing API tokens and roles is never
 * delegated to an API token, so a leaked token cannot mint more credentials or promote anyone.
 */
export const requireAdminInPerson: RequestHandler = function requireAdminInPerson(req, res, next) {
  const actor = actorOf(res);
  if (actor.kind === 'token') {
    throw new ApiError('INSUFFICIENT_SCOPE', 'API tokens cannot manage API tokens or roles; sign in as an admin.');
  }
  requireAdmin(req, res, next);
};
