import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedDashboardOrigins } from '../../src/http/dashboard-origins.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { linkParams } from '../support/mailbox.js';
import { login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const DASHBOARD = 'http://localhost:3000';
/** What `os.networkInterfaces()` answers on a laptop with Wi-Fi (the address Next prints as "Network"). */
const LAPTOP = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: null }],
  wlan0: [
    { address: '192.168.1.23', netmask: '255.255.255.0', family: 'IPv4', mac: '', internal: false, cidr: null },
    { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', mac: '', internal: false, cidr: null, scopeid: 3 },
  ],
} as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;

describe('dashboard origins (CORS and the cookie CSRF check)', () => {
  it('accepts only DASHBOARD_ORIGIN in production', () => {
    const allowed = allowedDashboardOrigins({ NODE_ENV: 'production', DASHBOARD_ORIGIN: [DASHBOARD] }, LAPTOP);
    expect([...allowed]).toEqual([DASHBOARD]);
  });

  it('in development also accepts the loopback names and this machine’s addresses on the dashboard’s port', () => {
    const allowed = allowedDashboardOrigins({ NODE_ENV: 'development', DASHBOARD_ORIGIN: [DASHBOARD] }, LAPTOP);
    expect([...allowed].sort()).toEqual(
      [
        DASHBOARD,
        'http://127.0.0.1:3000',
        'http://[::1]:3000',
        // What Next prints as "Network:" when it listens on every interface, as under npm start.
        'http://0.0.0.0:3000',
        'http://[::]:3000',
        'http://192.168.1.23:3000',
      ].sort(),
    );
    // Another port or scheme is another program, and a link-local IPv6 address is no origin a browser shows.
    for (const other of ['http://127.0.0.1:3001', 'https://127.0.0.1:3000', 'http://[fe80::1]:3000']) {
      expect(allowed.has(other), other).toBe(false);
    }
  });

  describe('a development gateway with DASHBOARD_ORIGIN=http://localhost:3000', () => {
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let gw: TestGateway;
    beforeAll(async () => {
      upstream = await startUpstream((_req, res) => res.end('ok'));
      gw = await startTestGateway({
        backend: 'pglite',
        upstreamUrl: upstream.url,
        env: { NODE_ENV: 'development', DASHBOARD_ORIGIN: DASHBOARD },
      });
    });
    afterAll(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    const preflight = (origin: string) =>
      fetch(`${gw.managementUrl}/keys`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });

    it.each([DASHBOARD, 'http://127.0.0.1:3000', 'http://[::1]:3000', 'http://0.0.0.0:3000'])(
      'allows %s with credentials',
      async (origin) => {
        const res = await preflight(origin);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      },
    );

    it.each(['http://127.0.0.1:3001', 'http://evil.example:3000', 'http://localhost.evil.example:3000'])(
      'allows no other origin: %s',
      async (origin) => {
        expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBeNull();
      },
    );

    it('lets the dashboard at 127.0.0.1 make cookie mutations, and mails links back to where it was opened', async () => {
      const { res } = await login(gw, 'loopback@example.com');
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const signOut = (origin: string) =>
        fetch(`${gw.managementUrl}/auth/session`, { method: 'DELETE', headers: { cookie, origin } });
      await expectProblem(await signOut('http://127.0.0.1:3001'), 403, 'ORIGIN_NOT_ALLOWED');
      expect((await signOut('http://127.0.0.1:3000')).status).toBe(204);

      const asked = await fetch(`${gw.managementUrl}/auth/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:3000' },
        body: JSON.stringify({ email: 'loopback@example.com' }),
      });
      expect(asked.status).toBe(202);
      const mails = await gw.mailsTo('loopback@example.com');
      const link = mails.at(-1)!.link!;
      expect(link.startsWith('http://127.0.0.1:3000/auth/verify#')).toBe(true);
      expect(linkParams(link).email).toBe('loopback@example.com');
    });
  });
});
