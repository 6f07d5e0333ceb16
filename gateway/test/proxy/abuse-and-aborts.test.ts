import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { deferred, eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { type CreatedKey, createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';
import { openDatabase, usageRows } from '../support/usage-db.js';

// The gateway trusts loopback as a proxy (TRUST_PROXY default), so X-Forwarded-For names the client.
const from = (ip: string, key?: string) => ({ 'x-forwarded-for': ip, ...(key ? { 'x-api-key': key } : {}) });

describe('failed-key throttling per client address', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let key: CreatedKey;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { AUTH_FAILURES_PER_MINUTE: '3' },
    });
    key = await createKey(gw);
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('answers 429 to an address after too many bad keys, and only to its network', async () => {
    expect((await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.100.7', key.key) })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.100.7', generateApiKey().key) });
      await expectProblem(res, 401, 'INVALID_API_KEY');
    }
    const throttled = await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.100.7', generateApiKey().key) });
    const problem = await expectProblem(throttled, 429, 'TOO_MANY_FAILED_ATTEMPTS');
    expect(problem.detail).toMatch(/invalid API keys/);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // Its /24 is throttled with it; another network is unaffected.
    await expectProblem(await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.100.8', generateApiKey().key) }), 429);
    await expectProblem(await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.101.8', generateApiKey().key) }), 401);
  });

  it('still serves a key already known to be valid from a throttled address (shared NAT)', async () => {
    const res = await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.100.7', key.key) });
    expect(res.status).toBe(200);
  });

  it('refuses a throttled address before any lookup of a key it has not used yet', async () => {
    const fresh = await createKey(gw);
    const lookups = () =>
      gw.gateway.services.metrics.keyCache
        .get()
        .then((m) => m.values.find((v) => v.labels.result === 'miss')?.value ?? 0);
    const before = await lookups();
    await expectProblem(await fetch(`${gw.url}/proxy/x`, { headers: from('198.51.100.7', fresh.key) }), 429);
    expect(await lookups()).toBe(before);
  });
});

describe('requests the client abandons', () => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const firstChunkSent = deferred();

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      firstChunkSent.resolve();
      // Never ends on its own: the client gives up first.
      res.on('close', () => res.destroy());
    });
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('are logged with status 499 and the time they lasted', async () => {
    const key = await createKey(gw);
    const { port } = new URL(gw.url);
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/proxy/slow', headers: { 'x-api-key': key.key } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end();
    });
    await firstChunkSent.promise;
    const sql = await openDatabase(gw);
    try {
      const rows = await eventually(async () => {
        const r = await usageRows(sql, key.id);
        if (r.length !== 1) throw new Error(`rows: ${r.length}`);
        return r;
      });
      expect(rows[0]).toMatchObject({ method: 'GET', path: '/slow', status_code: 499 });
      expect(rows[0]!.latency_ms).toBeGreaterThan(0);
    } finally {
      await sql.close();
    }
  });
});

describe('the public host behind a trusted load balancer', () => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      res.writeHead(302, {
        location: `${upstream.url}/next`,
        'x-seen-forwarded-host': String(req.headers['x-forwarded-host']),
      });
      res.end();
    });
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('uses X-Forwarded-Host for Location rewriting and passes it upstream', async () => {
    const key = await createKey(gw);
    const res = await fetch(`${gw.url}/proxy/start`, {
      redirect: 'manual',
      headers: { 'x-api-key': key.key, 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://api.example.com/proxy/next');
    expect(res.headers.get('x-seen-forwarded-host')).toBe('api.example.com');
  });
});
