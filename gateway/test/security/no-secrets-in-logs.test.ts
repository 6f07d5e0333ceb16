import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { linkParams } from '../support/mailbox.js';
import { as, login } from '../support/management.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { hostPortOf, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startUpstream } from '../support/upstream.js';

// A full run at LOG_LEVEL=debug — sign-in, keys, proxied calls with the key in the header and in
// the query string, every kind of failure, a database outage, sign-out — then a grep of everything
// the gateway logged for every secret it handled.
describe('no secret in the logs', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let link: TcpProxy;
  let gw: TestGateway;
  let smtp: TestSmtpServer;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url?.startsWith('/fail')) return req.socket.destroy();
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('late'), 800);
      if (req.url?.startsWith('/cut')) {
        res.writeHead(200, { 'content-length': '100' });
        return res.write('partial', () => res.destroy());
      }
      res.end('ok');
    });
    db = await createTestDatabase();
    link = await startTcpProxy(hostPortOf(db.url, 5432));
    // Sign-in links travel by mail, as in production (the dev mailbox logs them on purpose).
    smtp = await startSmtpServer();
    gw = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      databaseUrl: link.url(db.url),
      smtp,
      env: { LOG_LEVEL: 'debug', UPSTREAM_TIMEOUT_MS: '300', AUTH_FAILURES_PER_MINUTE: '3' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await link?.close();
    await db?.drop();
    await upstream?.close();
    await smtp?.close();
  });

  it('logs the run without any raw key, token, admin token or session secret', async () => {
    secrets.set('admin token', gw.adminToken);
    secrets.set('SESSION_SECRET', gw.gateway.services.config.SESSION_SECRET);

    const { token } = await login(gw, 'logs@example.com');
    secrets.set('session token', token);
    secrets.set('session token signature', token.split('.')[2]!);
    secrets.set('sign-in link token', linkParams(smtp.mails.at(-1)!.link!).token);
    const apiToken = (await (
      await gw.admin('/tokens', { method: 'POST', body: JSON.stringify({ name: 'ci', scope: 'read' }) })
    ).json()) as { token: string };
    secrets.set('management API token', apiToken.token);
    await as(gw, apiToken.token)('/keys');
    await as(gw, apiToken.token)('/keys', { method: 'POST', body: {} }); // 403: read scope
    const create = async (body: object) => {
      const res = await as(gw, token)('/keys', { method: 'POST', body });
      return (await res.json()) as { id: string; key: string };
    };
    const a = await create({ name: 'header key' });
    const b = await create({ name: 'query key' });
    const c = await create({ name: 'never used' });
    secrets.set('key a', a.key);
    secrets.set('key b', b.key);
    secrets.set('key c', c.key);
    // A one-character typo of a real key is still almost all of it.
    const typo = `${a.key.slice(0, -4)}${a.key.at(-4) === 'x' ? 'y' : 'x'}${a.key.slice(-3)}`;
    secrets.set('typo of key a', typo);

    const proxy = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${gw.url}/proxy${path}`, { headers }).then((r) => r.text());
    await proxy('/ok', { 'x-api-key': a.key });
    await proxy(`/ok?x=1&api_key=${b.key}`);
    await proxy(`/ok?api_key=${b.key}`, { 'x-api-key': a.key });
    await proxy('/ok', { 'x-api-key': typo, 'x-forwarded-for': '192.0.2.1' });
    for (let i = 0; i < 4; i++) await proxy(`/ok?api_key=${typo}`, { 'x-forwarded-for': '192.0.2.2' }); // → 429
    await proxy('/fail', { 'x-api-key': a.key }); // 502
    await proxy(`/slow?api_key=${b.key}`); // 504
    await proxy('/cut', { 'x-api-key': a.key }).catch(() => {}); // cut mid-body
    await proxy('/ok', { 'x-api-key': a.key, authorization: `Bearer ${gw.adminToken}`, cookie: `gw_session=${token}` });

    // Management failures that carry secrets in odd places.
    await as(gw, token)(`/keys?api_key=${a.key}`);
    await as(gw, token)('/keys', { method: 'POST', rawBody: `{"name": "${a.key}", ` });
    await as(gw, token)('/keys', { method: 'POST', body: { name: 'x', key: c.key } });
    await fetch(`${gw.managementUrl}/keys`, { headers: { authorization: `Token ${gw.adminToken}` } });
    await fetch(`${gw.managementUrl}/keys`, { headers: { authorization: `Bearer ${gw.adminToken}x` } });
    await fetch(`${gw.managementUrl}/auth/session`, { headers: { cookie: `gw_session=${token}x` } });
    await as(gw, token)(`/keys/${a.id}`, { method: 'PATCH', body: { active: false } });

    // The database goes away: an uncached key (in the query string) and a management call fail.
    link.cut();
    await proxy(`/ok?api_key=${c.key}`);
    await as(gw, token)('/keys');
    link.restore();
    await eventually(async () => expect((await as(gw, token)('/keys')).status).toBe(200), 5_000);

    expect((await as(gw, token)('/auth/session', { method: 'DELETE' })).status).toBe(204);
    await as(gw, token)('/auth/session');
    await gw.stop(); // flushes the logger's buffer along with everything else

    const logs = gw.logs();
    // The run was logged in detail: per-request debug lines, failures, the outage, key ids.
    for (const expected of ['"msg":"request"', 'upstream request failed', 'api key lookup failed', a.id]) {
      expect(logs).toContain(expected);
    }
    const leaked = [...secrets].filter(([, secret]) => logs.includes(secret)).map(([name]) => name);
    expect(leaked).toEqual([]);
    // Nor any other string shaped like an API key.
    expect(logs.match(/ak_[1-9A-HJ-NP-Za-km-z]{20,}/g) ?? []).toEqual([]);
    expect(logs.match(/gwt_[1-9A-HJ-NP-Za-km-z]{20,}/g) ?? []).toEqual([]);
  });
});
