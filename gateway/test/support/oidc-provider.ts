import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { browse, type CookieJar, redirectTarget } from './browser.js';

/**
 * A real OpenID provider (panva's certified `oidc-provider`) on 127.0.0.1, for tests of the gateway's
 * single sign-on. One confidential client, a fixed set of accounts, and a one-field sign-in form
 * (email, no password) that tests submit over HTTP and Playwright fills in Chromium.
 */

export interface TestOidcAccount {
  email: string;
  /** Default true. */
  emailVerified?: boolean;
  groups?: string[];
}

export interface TestOidcProviderOptions {
  /** The gateway's callback URL(s), registered for the client. */
  redirectUris: string[];
  accounts: TestOidcAccount[];
  /**
   * Put the scope claims (email, groups) in the ID token itself. Default false: like Okta or this
   * library's default, they then come only from the UserInfo endpoint.
   */
  claimsInIdToken?: boolean;
  /** Default 0 (any free port); a fixed one lets a test start the provider after the gateway. */
  port?: number;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The gateway's OIDC_* environment for this provider. */
  gatewayEnv: (redirectUri: string) => Record<string, string>;
  stop: () => Promise<void>;
}

/** The sign-in form's field and button names, shared with the Playwright spec. */
export const LOGIN_FORM = { emailLabel: 'Email', submit: 'Sign in' } as const;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function loginPage(error?: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test OpenID provider</title></head><body>
<h1>Test OpenID provider</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post"><label>${LOGIN_FORM.emailLabel} <input name="email" type="email" required autofocus></label>
<button type="submit">${LOGIN_FORM.submit}</button></form></body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export async function startTestOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'gateway';
  const clientSecret = randomBytes(24).toString('base64url');
  const accounts = new Map(options.accounts.map((a) => [a.email.toLowerCase(), a]));
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'email', 'groups'],
    claims: { email: ['email', 'email_verified'], groups: ['groups'] },
    conformIdTokenClaims: !options.claimsInIdToken,
    pkce: { required: () => true },
    // Explicit lifetimes (seconds), which also keeps the library's "you SHOULD change" notices quiet.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The account id is the email address: easy to read in tests.
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: account.email,
          email_verified: account.emailVerified ?? true,
          ...(account.groups ? { groups: account.groups } : {}),
        }),
      };
    },
    // A first-party client: consent is implied, so signing in is the only interaction.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { session, client, provider } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session!.grantIdFor(client!.clientId);
      if (grantId) return provider.Grant.find(grantId);
      const grant = new provider.Grant({ clientId: client!.clientId, accountId: session!.accountId! });
      grant.addOIDCScope('openid email groups');
      await grant.save();
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidcHandler = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    await provider.interactionDetails(req, res); // throws unless this browser's interaction is current
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage());
      return;
    }
    const email = (await readForm(req)).get('email')?.trim().toLowerCase() ?? '';
    if (!accounts.has(email)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage('Unknown account'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/interaction/')) return oidcHandler(req, res);
    interaction(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${err.message}`);
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    gatewayEnv: (redirectUri) => ({
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_REDIRECT_URI: redirectUri,
      OIDC_NAME: 'Test SSO',
      OIDC_ADMIN_CLAIM: 'groups',
      OIDC_ADMIN_VALUES: 'gateway-admins',
    }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Plays the browser at the provider: follows `authorizationUrl` (with the jar's cookies), submits the
 * sign-in form as `email` when asked, and returns the URL the provider finally redirects to (the
 * client's callback with `code`, `state` and `iss`, or with `error`) without visiting it.
 */
export async function signInAtProvider(jar: CookieJar, authorizationUrl: URL, email: string): Promise<URL> {
  let url = authorizationUrl;
  for (let hops = 0; hops < 10; hops++) {
    const res = await browse(jar, url);
    if (res.status === 200 && url.pathname.startsWith('/interaction/')) {
      const page = await res.text();
      if (page.includes('role="alert"')) throw new Error(`the provider refused to sign in ${email}`);
      const submitted = await browse(jar, url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email }).toString(),
      });
      if (submitted.status === 200) throw new Error(`the provider refused to sign in ${email}`);
      url = redirectTarget(submitted, url);
    } else {
      const next = redirectTarget(res, url);
      if (next.origin !== authorizationUrl.origin) return next;
      url = next;
    }
  }
  throw new Error('too many redirects at the provider');
}
