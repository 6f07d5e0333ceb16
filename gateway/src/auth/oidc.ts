import { createHmac, timingSafeEqual } from 'node:crypto';
import { EmailSchema } from '@gateway/shared';
import * as client from 'openid-client';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/** The configuration single sign-on reads. */
export type OidcSettings = Pick<
  Config,
  | 'NODE_ENV'
  | 'MANAGEMENT_PORT'
  | 'OIDC_ISSUER'
  | 'OIDC_CLIENT_ID'
  | 'OIDC_CLIENT_SECRET'
  | 'OIDC_NAME'
  | 'OIDC_REDIRECT_URI'
  | 'OIDC_ADMIN_CLAIM'
  | 'OIDC_ADMIN_VALUES'
>;

/** What one authorization request must be matched against when its callback arrives. */
export interface OidcFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who signed in at the provider: a verified email, and whether the admin claim matched. */
export interface OidcIdentity {
  email: string;
  admin: boolean;
}

export interface OidcClient {
  readonly name: string;
  readonly redirectUri: string;
  /** A new flow's secrets and the provider URL to send the browser to. */
  beginSignIn(): Promise<{ url: URL; flow: OidcFlow }>;
  /**
   * Checks the callback against its flow (state, `iss`), redeems the code with the PKCE verifier, has
   * openid-client validate the ID token (signature, issuer, audience, nonce, expiry), and requires a
   * verified email. Throws on any failure.
   */
  completeSignIn(callbackQuery: string, flow: OidcFlow): Promise<OidcIdentity>;
}

/** A refusal of ours (the library's own errors pass through unchanged). */
export class OidcSignInError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OidcSignInError';
  }
}

const DISCOVERY_TIMEOUT_SECONDS = 10;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Discovers the provider at start-up. An unreachable provider does not stop the gateway (email sign-in
 * and the API keep working): discovery is retried on the next sign-in attempt instead. Only a
 * configuration error (plain-HTTP issuer in production, no callback URL) throws.
 */
export async function createOidcClient(config: OidcSettings, logger: Logger): Promise<OidcClient> {
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: secret } = config;
  if (!issuer || !clientId) throw new Error('OIDC_ISSUER and OIDC_CLIENT_ID are required for SSO');
  if (!config.OIDC_REDIRECT_URI && config.MANAGEMENT_PORT === 0) {
    throw new Error('OIDC_REDIRECT_URI is required when MANAGEMENT_PORT=0 (the callback URL must be known)');
  }
  const redirectUri = config.OIDC_REDIRECT_URI ?? `http://localhost:${config.MANAGEMENT_PORT}/auth/oidc/callback`;
  const issuerUrl = new URL(issuer);
  // The client secret and the codes travel to the token endpoint: plain HTTP only in development or
  // to a provider on this machine.
  const insecure = issuerUrl.protocol === 'http:';
  if (insecure && config.NODE_ENV === 'production' && !isLoopback(issuerUrl.hostname)) {
    throw new Error('OIDC_ISSUER must use https when NODE_ENV=production');
  }

  const discover = () =>
    // Without a secret: a public client, which PKCE (always sent) still protects.
    client.discovery(issuerUrl, clientId, secret, secret ? client.ClientSecretBasic(secret) : client.None(), {
      timeout: DISCOVERY_TIMEOUT_SECONDS,
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= discover().then(
      (c) => {
        logger.info({ issuer }, 'oidc: provider discovered');
        return c;
      },
      (err: unknown) => {
        discovered = undefined; // the next sign-in tries again
        logger.warn({ issuer, err: (err as Error).message }, 'oidc: provider discovery failed');
        throw err;
      },
    );
    return discovered;
  };
  // Started now, not awaited: a slow provider must not hold up the gateway's start (the proxy has
  // nothing to do with it); the first sign-in waits for this attempt or makes a new one.
  void configuration().catch(() => {});

  return {
    name: config.OIDC_NAME,
    redirectUri,

    async beginSignIn() {
      const c = await configuration();
      const flow = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      // Ask for the admin claim as a scope too when the provider offers one by that name (e.g. `groups`):
      // unknown scopes make some providers refuse the whole request.
      const offered = c.serverMetadata().scopes_supported ?? [];
      const scopes = ['openid', 'email'];
      if (config.OIDC_ADMIN_VALUES.length > 0 && offered.includes(config.OIDC_ADMIN_CLAIM)) {
        scopes.push(config.OIDC_ADMIN_CLAIM);
      }
      const url = client.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: scopes.join(' '),
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, flow };
    },

    async completeSignIn(callbackQuery, flow) {
      const c = await configuration();
      // The token request's redirect_uri is taken from this URL: the configured one, not whatever
      // host or path the request arrived on behind a proxy.
      const current = new URL(redirectUri);
      current.search = callbackQuery;
      const tokens = await client.authorizationCodeGrant(c, current, {
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        pkceCodeVerifier: flow.codeVerifier,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new OidcSignInError('no_id_token');
      let claims: Record<string, unknown> = idClaims;
      // Many providers put scope claims only in the UserInfo response when an access token is issued
      // (OIDC Core §5.4); its `sub` must match the ID token's.
      const wantsAdminClaim = config.OIDC_ADMIN_VALUES.length > 0;
      const missing =
        claims.email === undefined ||
        claims.email_verified === undefined ||
        (wantsAdminClaim && claimAt(claims, config.OIDC_ADMIN_CLAIM) === undefined);
      if (missing && c.serverMetadata().userinfo_endpoint && tokens.access_token) {
        const userInfo = await client.fetchUserInfo(c, tokens.access_token, idClaims.sub);
        claims = { ...userInfo, ...idClaims };
      }
      return identityFromClaims(claims, config);
    },
  };
}

/** A claim by name, or by a dotted path into nested objects (Keycloak's `realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A verified email is required; admin when the admin claim (a string or a list) holds one of the values. */
export function identityFromClaims(
  claims: Record<string, unknown>,
  config: Pick<OidcSettings, 'OIDC_ADMIN_CLAIM' | 'OIDC_ADMIN_VALUES'>,
): OidcIdentity {
  if (typeof claims.email !== 'string') throw new OidcSignInError('no_email');
  // Only a literal `true`: some providers send the string "false", and an unverified address could be
  // anyone's, so signing it in would hand over that person's account.
  if (claims.email_verified !== true) throw new OidcSignInError('email_not_verified');
  const email = EmailSchema.safeParse(claims.email);
  if (!email.success) throw new OidcSignInError('invalid_email');
  const value = claimAt(claims, config.OIDC_ADMIN_CLAIM);
  const held = Array.isArray(value) ? value : [value];
  const admin = held.some((v) => typeof v === 'string' && config.OIDC_ADMIN_VALUES.includes(v));
  return { email: email.data, admin };
}

// ---- The flow cookie: state, nonce, PKCE verifier and returnTo between start and callback ----

export const FLOW_COOKIE = 'gw_oidc';
export const FLOW_COOKIE_PATH = '/auth/oidc';
export const FLOW_TTL_SECONDS = 10 * 60;
const FLOW_VERSION = 'v1';
const MAX_COOKIE_LENGTH = 4096;

const FlowCookieSchema = z.strictObject({
  state: z.string().min(1).max(200),
  nonce: z.string().min(1).max(200),
  codeVerifier: z.string().min(43).max(128),
  returnTo: z.string().max(2048),
  exp: z.number().int(),
});
export type FlowCookie = Omit<z.infer<typeof FlowCookieSchema>, 'exp'>;

// A key of its own (derived from SESSION_SECRET), so a flow cookie's MAC can never pass as a session
// token's signature or the other way round.
function flowKey(sessionSecret: string): Buffer {
  return createHmac('sha256', sessionSecret).update('gw-oidc-flow-cookie').digest();
}

function flowMac(sessionSecret: string, signed: string): Buffer {
  return createHmac('sha256', flowKey(sessionSecret)).update(signed).digest();
}

/** `v1.<base64url JSON>.<base64url HMAC-SHA256>`, expiring FLOW_TTL_SECONDS from now. */
export function sealFlowCookie(sessionSecret: string, flow: FlowCookie, now = Date.now()): string {
  const payload = { ...flow, exp: Math.floor(now / 1000) + FLOW_TTL_SECONDS };
  const signed = `${FLOW_VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signed}.${flowMac(sessionSecret, signed).toString('base64url')}`;
}

/** The flow of an authentic, unexpired cookie; null for anything else (checked before it is parsed). */
export function openFlowCookie(sessionSecret: string, value: string | undefined, now = Date.now()): FlowCookie | null {
  if (!value || value.length > MAX_COOKIE_LENGTH) return null;
  const parts = value.split('.');
  if (parts.length !== 3 || parts[0] !== FLOW_VERSION) return null;
  const signed = `${parts[0]}.${parts[1]}`;
  const given = Buffer.from(parts[2]!, 'base64url');
  const expected = flowMac(sessionSecret, signed);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = FlowCookieSchema.safeParse(json);
  if (!parsed.success || parsed.data.exp * 1000 <= now) return null;
  const { exp: _exp, ...flow } = parsed.data;
  return flow;
}

/**
 * `returnTo` as a path on the dashboard, or null. Only `/`-rooted paths: no scheme, no `//host`
 * (protocol-relative), no backslashes (browsers read `/\host` as `//host`), no control characters.
 */
export function safeReturnTo(value: unknown): string | null {
  if (value === undefined) return '/';
  if (typeof value !== 'string' || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  // Belt and braces: resolved against a base, it must stay on that base.
  const base = 'http://dashboard.invalid';
  return new URL(value, base).origin === base ? value : null;
}
