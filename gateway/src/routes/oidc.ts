import { parse as parseCookie } from 'cookie';
import { type CookieOptions, type Request, type Response, Router } from 'express';
import {
  FLOW_COOKIE,
  FLOW_COOKIE_PATH,
  FLOW_TTL_SECONDS,
  type OidcClient,
  OidcSignInError,
  openFlowCookie,
  safeReturnTo,
  sealFlowCookie,
} from '../auth/oidc.js';
import { signIn } from '../auth/sign-in.js';
import { requestIdOf } from '../middleware/request-id.js';
import type { RouteDeps } from './types.js';

export type { OidcClient };

/**
 * Single sign-on with OpenID Connect (authorization code + PKCE). Both routes answer browsers with
 * redirects only: to the provider, back to the dashboard, or to the dashboard's `/login?error=sso`.
 */
export function oidcRouter(deps: RouteDeps & { oidc: OidcClient }): Router {
  const { config, logger, oidc } = deps;
  const router = Router();
  const dashboard = config.DASHBOARD_ORIGIN[0]!;
  const flowCookieOptions: CookieOptions = {
    httpOnly: true,
    sameSite: 'lax', // the callback is a top-level navigation from the provider's site
    secure: config.SECURE_COOKIES,
    path: FLOW_COOKIE_PATH,
  };

  // Refusals say only "sso" to the browser; the log says why, without codes, tokens or verifiers.
  const refuse = (req: Request, res: Response, step: 'start' | 'callback', err: unknown) => {
    // openid-client's and oauth4webapi's messages name the failed check (`unexpected ID Token "nonce"
    // claim value`), never a value; `error` is the provider's OAuth error code (e.g. invalid_grant for a
    // code used twice). Causes that are not errors (responses, claim sets) are left out.
    const e = err as Error & { code?: string; error?: string };
    const reason =
      err instanceof OidcSignInError
        ? err.reason
        : {
            name: e?.name,
            code: e?.code,
            error: e?.error,
            message: e?.message,
            detail: e?.cause instanceof Error ? e.cause.message : undefined,
          };
    logger.warn({ requestId: requestIdOf(req), step, reason }, 'oidc: sign-in refused');
    res.redirect(302, `${dashboard}/login?error=sso`);
  };

  // GET /auth/oidc/start?returnTo=/path – send the browser to the provider
  router.get('/auth/oidc/start', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (returnTo === null) return refuse(req, res, 'start', new OidcSignInError('unsafe_return_to'));
    let started: Awaited<ReturnType<OidcClient['beginSignIn']>>;
    try {
      started = await oidc.beginSignIn();
    } catch (err) {
      return refuse(req, res, 'start', err);
    }
    const sealed = sealFlowCookie(config.SESSION_SECRET, { ...started.flow, returnTo });
    res.cookie(FLOW_COOKIE, sealed, { ...flowCookieOptions, maxAge: FLOW_TTL_SECONDS * 1000 });
    res.redirect(302, started.url.href);
  });

  // GET /auth/oidc/callback?code&state&iss – finish the flow, open a session, back to the dashboard
  router.get('/auth/oidc/callback', async (req, res) => {
    // One use per flow whatever happens next.
    res.clearCookie(FLOW_COOKIE, flowCookieOptions);
    const cookies = req.headers.cookie ? parseCookie(req.headers.cookie) : {};
    const flow = openFlowCookie(config.SESSION_SECRET, cookies[FLOW_COOKIE]);
    if (!flow) return refuse(req, res, 'callback', new OidcSignInError('no_valid_flow_cookie'));
    // Signed by us, but checked again: a redirect target is never taken on trust.
    const returnTo = safeReturnTo(flow.returnTo);
    if (returnTo === null) return refuse(req, res, 'callback', new OidcSignInError('unsafe_return_to'));
    try {
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      const identity = await oidc.completeSignIn(query, flow);
      await signIn(deps, req, res, { email: identity.email, method: 'oidc', admin: identity.admin });
    } catch (err) {
      return refuse(req, res, 'callback', err);
    }
    res.redirect(302, `${dashboard}${returnTo}`);
  });

  return router;
}
