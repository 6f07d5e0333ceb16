import { createServer } from 'node:net';
import type { AuthProvidersResponse, ListAuditResponse } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browse, CookieJar, redirectTarget } from '../support/browser.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { signInAtProvider, startTestOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { startUpstream } from '../support/upstream.js';

const DASHBOARD = 'http://dashboard.test:3000';
const SSO_ERROR = `${DASHBOARD}/login?error=sso`;
const ACCOUNTS = [
  { email: 'grace@example.com', groups: ['engineering'] },
  { email: 'ada@example.com', groups: ['engineering', 'gateway-admins'] },
  { email: 'unverified@example.com', emailVerified: false },
];

/** A port free right now, for a listener whose URL must be known before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startGatewayFor(
  backend: Backend,
  upstreamUrl: string,
  callbackPort: number,
  env: Record<string, string>,
) {
  return startTestGateway({
    backend,
    upstreamUrl,
    env: { MANAGEMENT_PORT: String(callbackPort), DASHBOARD_ORIGIN: DASHBOARD, ...env },
  });
}

// Both backends; and both places providers put the email and groups claims (UserInfo only, as Okta and
// oidc-provider do by default for the code flow, or the ID token itself, as Google and Keycloak do).
describe.each([
  ['pglite', 'claims from UserInfo', false],
  ['postgres', 'claims in the ID token', true],
] as [Backend, string, boolean][])(
  'single sign-on with OpenID Connect (%s, %s)',
  (backend, _claims, claimsInIdToken) => {
    let op: TestOidcProvider;
    let gw: TestGateway;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;

    beforeAll(async () => {
      upstream = await startUpstream((_req, res) => res.end('ok'));
      const port = await freePort();
      const callback = `http://127.0.0.1:${port}/auth/oidc/callback`;
      op = await startTestOidcProvider({ redirectUris: [callback], accounts: ACCOUNTS, claimsInIdToken });
      gw = await startGatewayFor(backend, upstream.url, port, op.gatewayEnv(callback));
    });
    afterAll(async () => {
      await gw?.stop();
      await op?.stop();
      await upstream?.close();
    });

    /** `GET /auth/oidc/start` in this browser: the provider's authorization URL it redirects to. */
    async function start(jar: CookieJar, returnTo?: string): Promise<URL> {
      const url = new URL('/auth/oidc/start', gw.managementUrl);
      if (returnTo !== undefined) url.searchParams.set('returnTo', returnTo);
      const res = await browse(jar, url);
      const target = redirectTarget(res, url);
      expect(target.origin).toBe(op.issuer);
      return target;
    }

    /** Visits the gateway's callback; returns where it sends the browser. */
    async function callback(jar: CookieJar, url: URL): Promise<{ location: string; setCookies: string[] }> {
      const res = await browse(jar, url);
      return { location: redirectTarget(res, url).href, setCookies: res.headers.getSetCookie() };
    }

    async function session(jar: CookieJar) {
      const res = await browse(jar, new URL('/auth/session', gw.managementUrl));
      return { status: res.status, body: (await res.json()) as { user: { email: string } | null; role: string } };
    }

    const sessionCookie = (setCookies: string[]) => setCookies.find((c) => c.startsWith('gw_session='));

    it('is offered on GET /auth/providers', async () => {
      const res = await fetch(`${gw.managementUrl}/auth/providers`);
      const body = (await res.json()) as AuthProvidersResponse;
      expect(body.oidc).toEqual({ name: 'Test SSO', startUrl: '/auth/oidc/start' });
    });

    describe('GET /auth/oidc/start', () => {
      it('redirects to the provider with PKCE (S256), state and nonce, and keeps them in a signed flow cookie', async () => {
        const jar = new CookieJar();
        const url = new URL('/auth/oidc/start?returnTo=/keys', gw.managementUrl);
        const res = await browse(jar, url);
        const target = redirectTarget(res, url);
        expect(target.origin + target.pathname).toBe(`${op.issuer}/auth`);
        const p = target.searchParams;
        expect(p.get('response_type')).toBe('code');
        expect(p.get('client_id')).toBe(op.clientId);
        expect(p.get('code_challenge_method')).toBe('S256');
        expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
        expect(p.get('nonce')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
        expect(p.get('scope')?.split(' ')).toEqual(['openid', 'email', 'groups']);
        const flowCookie = res.headers.getSetCookie().find((c) => c.startsWith('gw_oidc='))!;
        expect(flowCookie).toMatch(/; Path=\/auth\/oidc(;|$)/);
        expect(flowCookie).toMatch(/; Max-Age=600(;|$)/);
        expect(flowCookie).toMatch(/; HttpOnly(;|$)/);
        expect(flowCookie).toMatch(/; SameSite=Lax(;|$)/);
        // Nothing secret in the clear: the verifier is not the challenge, and never leaves the cookie.
        expect(target.href).not.toContain(jar.get('gw_oidc')!.split('.')[1]!);
      });

      it.each(['//evil.example', '//evil.example/keys', 'https://evil.example/', '/\\evil.example', 'keys'])(
        'refuses returnTo=%j without going to the provider',
        async (returnTo) => {
          const jar = new CookieJar();
          const url = new URL('/auth/oidc/start', gw.managementUrl);
          url.searchParams.set('returnTo', returnTo);
          const res = await browse(jar, url);
          expect(redirectTarget(res, url).href).toBe(SSO_ERROR);
          expect(jar.get('gw_oidc')).toBeUndefined();
        },
      );
    });

    describe('GET /auth/oidc/callback', () => {
      it('signs a user in: session cookie, role user, back to returnTo on the dashboard', async () => {
        const jar = new CookieJar();
        const auth = await start(jar, '/keys?tab=usage');
        const back = await callback(jar, await signInAtProvider(jar, auth, 'grace@example.com'));
        expect(back.location).toBe(`${DASHBOARD}/keys?tab=usage`);
        expect(sessionCookie(back.setCookies)).toMatch(/HttpOnly/i);
        expect(jar.get('gw_oidc')).toBeUndefined(); // the flow cookie is cleared
        const me = await session(jar);
        expect(me.status).toBe(200);
        expect(me.body.role).toBe('user');
        expect(me.body.user?.email).toBe('grace@example.com');
        const audit = (await (await gw.admin('/audit?action=auth.sign_in')).json()) as ListAuditResponse;
        const entry = audit.data.find((e) => e.target.label === 'grace@example.com');
        expect(entry?.changes.method?.to).toBe('oidc');
      });

      it('makes a member of the admin group an admin', async () => {
        const jar = new CookieJar();
        const back = await callback(jar, await signInAtProvider(jar, await start(jar), 'ada@example.com'));
        expect(back.location).toBe(`${DASHBOARD}/`);
        const me = await session(jar);
        expect(me.body.role).toBe('admin');
        expect(me.body.user?.email).toBe('ada@example.com');
      });

      it('refuses an email the provider has not verified', async () => {
        const jar = new CookieJar();
        const back = await callback(jar, await signInAtProvider(jar, await start(jar), 'unverified@example.com'));
        expect(back.location).toBe(SSO_ERROR);
        expect(sessionCookie(back.setCookies)).toBeUndefined();
        expect((await session(jar)).status).toBe(401);
        expect(gw.logs()).toContain('email_not_verified');
        expect((await gw.admin('/users/by-email?email=unverified@example.com')).status).toBe(404);
      });

      it('refuses a tampered state', async () => {
        const jar = new CookieJar();
        const url = await signInAtProvider(jar, await start(jar), 'grace@example.com');
        url.searchParams.set('state', `${url.searchParams.get('state')}x`);
        const back = await callback(jar, url);
        expect(back.location).toBe(SSO_ERROR);
        expect(sessionCookie(back.setCookies)).toBeUndefined();
        expect((await session(jar)).status).toBe(401);
      });

      it("refuses the callback of another flow (this browser's cookie belongs to a newer one)", async () => {
        const jar = new CookieJar();
        const first = await start(jar);
        await start(jar); // replaces the flow cookie
        const back = await callback(jar, await signInAtProvider(jar, first, 'grace@example.com'));
        expect(back.location).toBe(SSO_ERROR);
        expect((await session(jar)).status).toBe(401);
      });

      it('refuses a callback arriving in a browser that never started the flow (login CSRF)', async () => {
        const attacker = new CookieJar();
        const url = await signInAtProvider(attacker, await start(attacker), 'grace@example.com');
        const victim = new CookieJar();
        const back = await callback(victim, url);
        expect(back.location).toBe(SSO_ERROR);
        expect((await session(victim)).status).toBe(401);
      });

      it('refuses a flow cookie signed with another secret', async () => {
        const jar = new CookieJar();
        const url = await signInAtProvider(jar, await start(jar), 'grace@example.com');
        const [version, payload] = jar.get('gw_oidc')!.split('.');
        const forged = new CookieJar();
        forged.store(
          gw.managementUrl,
          new Response(null, { headers: { 'set-cookie': `gw_oidc=${version}.${payload}.AAAA; Path=/auth/oidc` } }),
        );
        const back = await callback(forged, url);
        expect(back.location).toBe(SSO_ERROR);
      });

      it('refuses an ID token whose nonce is not the one this flow sent', async () => {
        const jar = new CookieJar();
        const auth = await start(jar);
        // The provider signs whatever nonce the authorization request carried, as it would for an
        // attacker who started the request elsewhere.
        auth.searchParams.set('nonce', 'a-nonce-from-some-other-request');
        const back = await callback(jar, await signInAtProvider(jar, auth, 'grace@example.com'));
        expect(back.location).toBe(SSO_ERROR);
        expect((await session(jar)).status).toBe(401);
        expect(gw.logs()).toMatch(/ID Token .{1,2}nonce.{1,2} claim value/);
      });

      it('refuses an authorization request stripped of its nonce', async () => {
        const jar = new CookieJar();
        const auth = await start(jar);
        auth.searchParams.delete('nonce');
        const back = await callback(jar, await signInAtProvider(jar, auth, 'grace@example.com'));
        expect(back.location).toBe(SSO_ERROR);
      });

      it('refuses a replayed callback (the same code twice)', async () => {
        const jar = new CookieJar();
        const url = await signInAtProvider(jar, await start(jar), 'grace@example.com');
        const before = jar.clone(); // still holds the flow cookie, as a copied request would
        const first = await callback(jar, url);
        expect(first.location).toBe(`${DASHBOARD}/`);
        const replayed = await callback(before, url);
        expect(replayed.location).toBe(SSO_ERROR);
        expect(sessionCookie(replayed.setCookies)).toBeUndefined();
        expect(gw.logs()).toContain('invalid_grant');
        // Without the flow cookie (cleared by the first use) it never even reaches the provider.
        expect((await callback(jar, url)).location).toBe(SSO_ERROR);
      });

      it('refuses an error answer from the provider (the user cancelled)', async () => {
        const jar = new CookieJar();
        const auth = await start(jar);
        const url = new URL('/auth/oidc/callback', gw.managementUrl);
        url.searchParams.set('error', 'access_denied');
        url.searchParams.set('state', auth.searchParams.get('state')!);
        url.searchParams.set('iss', op.issuer);
        expect((await callback(jar, url)).location).toBe(SSO_ERROR);
      });

      it('logs refusals without codes, verifiers, tokens or the client secret', async () => {
        const jar = new CookieJar();
        const url = await signInAtProvider(jar, await start(jar), 'grace@example.com');
        const flowCookie = jar.get('gw_oidc')!;
        const before = jar.clone();
        await callback(jar, url);
        await callback(before, url); // refused: logged
        const logs = gw.logs();
        expect(logs).toContain('oidc: sign-in refused');
        expect(logs).not.toContain(url.searchParams.get('code')!);
        expect(logs).not.toContain(url.searchParams.get('state')!);
        expect(logs).not.toContain(flowCookie.split('.')[1]!);
        expect(logs).not.toContain(op.clientSecret);
        expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWT
      });
    });
  },
);

describe('single sign-on while the provider is down at start-up', () => {
  it('starts anyway, refuses sign-in, and discovers the provider once it is up', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    const [gatewayPort, providerPort] = [await freePort(), await freePort()];
    const callbackUrl = `http://127.0.0.1:${gatewayPort}/auth/oidc/callback`;
    const issuer = `http://127.0.0.1:${providerPort}`;
    const gw = await startGatewayFor('pglite', upstream.url, gatewayPort, {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'gateway',
      OIDC_CLIENT_SECRET: 'not-known-yet',
      OIDC_REDIRECT_URI: callbackUrl,
    });
    let op: TestOidcProvider | undefined;
    try {
      const startUrl = new URL('/auth/oidc/start', gw.managementUrl);
      expect(redirectTarget(await browse(new CookieJar(), startUrl), startUrl).href).toBe(SSO_ERROR);
      op = await startTestOidcProvider({ redirectUris: [callbackUrl], accounts: ACCOUNTS, port: providerPort });
      expect(redirectTarget(await browse(new CookieJar(), startUrl), startUrl).origin).toBe(issuer);
    } finally {
      await gw.stop();
      await op?.stop();
      await upstream.close();
    }
  });
});
