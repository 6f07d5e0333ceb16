import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createKey, rawRequest } from '../support/proxy-client.js';
import { rawExchange } from '../support/raw-http.js';
import { startUpstream } from '../support/upstream.js';

// Fields that tell a server who the client is or what it asked for, as a client could forge them.
const SPOOFED: Record<string, string> = {
  forwarded: 'for=198.51.100.1;host=evil.example;proto=https',
  'x-real-ip': '198.51.100.1',
  'x-original-url': '/admin',
  'x-rewrite-url': '/admin',
  'x-forwarded-port': '443',
  'x-forwarded-prefix': '/admin',
  'x-forwarded-server': 'evil.example',
  'x-client-ip': '198.51.100.1',
  'true-client-ip': '198.51.100.1',
  'x-cluster-client-ip': '198.51.100.1',
  'cf-connecting-ip': '198.51.100.1',
  'x-original-host': 'evil.example',
  'x-forwarded-client-cert': 'Hash=abc;Subject="CN=admin"',
};

// Header filtering does not depend on the database or limiter: one backend is enough.
describe('/proxy header filtering', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let hopUpstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let hopGw: TestGateway;
  let key: string;
  let hopKey: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    // Answers with every kind of hop-by-hop field a response can carry.
    hopUpstream = await startUpstream((_req, res) => {
      res.writeHead(200, {
        connection: 'keep-alive, x-upstream-hop',
        'keep-alive': 'timeout=77',
        'x-upstream-hop': 'for the gateway only',
        'proxy-authenticate': 'Basic realm="upstream"',
        upgrade: 'h2c',
        trailer: 'x-checksum',
        'x-kept': 'yes',
        'content-type': 'text/plain',
        // Fields the gateway itself answers with: the upstream's must not replace them.
        'x-ratelimit-limit': '999',
        'x-ratelimit-remaining': '998',
        ratelimit: '"upstream";r=998;t=1',
        'x-request-id': 'upstream-id',
        // The gateway sets Retry-After only when it refuses a request: on a forwarded answer it is the upstream's.
        'retry-after': '120',
        // Proxied content must not plant the gateway's own cookies (session fixation); others pass.
        'set-cookie': ['gw_session=planted; Path=/; HttpOnly', 'app=1; Path=/', ' gw_oidc=x', 'theme=dark'],
      });
      res.end('ok');
    });
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
    hopGw = await startTestGateway({ backend: 'postgres', upstreamUrl: hopUpstream.url });
    key = (await createKey(gw)).key;
    hopKey = (await createKey(hopGw)).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await hopGw?.stop();
    await upstream?.close();
    await hopUpstream?.close();
  });

  /** Sends one request through the gateway and returns the headers the upstream received. */
  async function forwarded(headers: Record<string, string>) {
    const before = upstream.seen.length;
    const res = await rawRequest(gw.url, { path: '/proxy/h', headers: { 'x-api-key': key, ...headers } });
    expect(res.status).toBe(200);
    expect(upstream.seen.length).toBe(before + 1);
    return upstream.seen.at(-1)!.headers;
  }

  it('drops upstream Set-Cookie fields for the gateway’s own cookies and keeps the others', async () => {
    const res = await rawRequest(hopGw.url, { path: '/proxy/h', headers: { 'x-api-key': hopKey } });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['app=1; Path=/', 'theme=dark']);
  });

  it('does not forward hop-by-hop request headers, nor a header named in Connection', async () => {
    const seen = await forwarded({
      connection: 'keep-alive, x-client-hop',
      'keep-alive': 'timeout=30',
      te: 'trailers',
      upgrade: 'websocket',
      'proxy-authorization': 'Basic c2VjcmV0',
      'x-client-hop': 'for the gateway only',
      'x-end-to-end': 'kept',
    });
    for (const name of ['keep-alive', 'te', 'upgrade', 'proxy-authorization', 'x-client-hop']) {
      expect(seen[name], name).toBeUndefined();
    }
    // undici opens its own keep-alive connection: whatever Connection it sends is its own, not ours.
    expect(seen.connection ?? '').not.toContain('x-client-hop');
    expect(seen['x-end-to-end']).toBe('kept');
  });

  it('does not forward the API key header', async () => {
    const seen = await forwarded({});
    expect(seen['x-api-key']).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain(key);
  });

  it('drops the gateway session cookie but forwards the other cookies', async () => {
    const seen = await forwarded({ cookie: 'theme=dark; gw_session=s3cret; cart=42' });
    expect(seen.cookie).toBe('theme=dark; cart=42');
  });

  it('drops the Cookie header entirely when it held only the gateway session', async () => {
    const seen = await forwarded({ cookie: 'gw_session=s3cret' });
    expect(seen.cookie).toBeUndefined();
  });

  it('sends the Host of the upstream, not the client’s', async () => {
    const seen = await forwarded({ host: 'api.example.com' });
    expect(seen.host).toBe(new URL(upstream.url).host);
  });

  it('adds X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const seen = await forwarded({ host: 'api.example.com' });
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('api.example.com');
  });

  it('appends the client to an X-Forwarded-For chain from a trusted proxy', async () => {
    // TRUST_PROXY defaults to loopback, and the test client is on loopback.
    const seen = await forwarded({ 'x-forwarded-for': '203.0.113.7' });
    expect(seen['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  it('keeps only the trusted part of X-Forwarded-For: entries left of the first untrusted hop are the client’s own', async () => {
    // 127.0.0.1 (trusted) says the request came from 203.0.113.7, which is not a proxy we trust:
    // what 203.0.113.7 claimed about its own origin (198.51.100.1) is not passed on as fact.
    const seen = await forwarded({ 'x-forwarded-for': '198.51.100.1, 203.0.113.7' });
    expect(seen['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  it('takes X-Forwarded-Proto and X-Forwarded-Host from a trusted proxy, and drops the other forwarding fields', async () => {
    const seen = await forwarded({
      host: 'gw.internal:3001',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
      ...SPOOFED,
    });
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('api.example.com');
    for (const name of Object.keys(SPOOFED)) expect(seen[name], name).toBeUndefined();
  });

  it('forwards the caller’s X-Request-Id and answers with it', async () => {
    const res = await rawRequest(gw.url, {
      path: '/proxy/h',
      headers: { 'x-api-key': key, 'x-request-id': 'req-abc.123' },
    });
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    expect(upstream.seen.at(-1)!.headers['x-request-id']).toBe('req-abc.123');
  });

  it('generates an X-Request-Id when the caller sent none (or an unsafe one)', async () => {
    const res = await rawRequest(gw.url, {
      path: '/proxy/h',
      headers: { 'x-api-key': key, 'x-request-id': 'bad id\t' },
    });
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.seen.at(-1)!.headers['x-request-id']).toBe(id);
  });

  it('strips hop-by-hop response headers and those the upstream names in Connection', async () => {
    const res = await rawRequest(hopGw.url, { path: '/proxy/h', headers: { 'x-api-key': hopKey } });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(res.headers['x-kept']).toBe('yes');
    for (const name of ['x-upstream-hop', 'proxy-authenticate', 'upgrade', 'trailer']) {
      expect(res.headers[name], name).toBeUndefined();
    }
    // The gateway's own server may announce its keep-alive, never the upstream's.
    expect(res.headers['keep-alive']).not.toBe('timeout=77');
    expect(res.headers.connection ?? '').not.toContain('x-upstream-hop');
  });

  it('keeps the gateway’s rate-limit fields and request id over the upstream’s', async () => {
    const res = await rawRequest(hopGw.url, {
      path: '/proxy/h',
      headers: { 'x-api-key': hopKey, 'x-request-id': 'client-id' },
    });
    expect(res.headers['x-request-id']).toBe('client-id');
    expect(res.headers['x-ratelimit-limit']).toBe(res.headers['x-ratelimit-limit-minute']);
    expect(res.headers['x-ratelimit-remaining']).toBe(res.headers['x-ratelimit-remaining-minute']);
    expect(res.headers.ratelimit).toMatch(/^"minute";r=\d+;t=\d+, "day";r=\d+;t=\d+$/);
    expect(res.headers['retry-after']).toBe('120');
  });
});

describe('/proxy forwarding fields from an untrusted client (TRUST_PROXY=false)', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url, env: { TRUST_PROXY: 'false' } });
    key = (await createKey(gw)).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('replaces X-Forwarded-For/-Proto/-Host with what the gateway saw and drops every other forwarding field', async () => {
    const before = upstream.seen.length;
    const res = await rawRequest(gw.url, {
      path: '/proxy/h',
      headers: {
        'x-api-key': key,
        host: 'api.example.com',
        'x-forwarded-for': '198.51.100.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        ...SPOOFED,
      },
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen.slice(before).map((r) => r.headers);
    expect(seen).toHaveLength(1);
    expect(seen[0]!['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen[0]!['x-forwarded-proto']).toBe('http');
    expect(seen[0]!['x-forwarded-host']).toBe('api.example.com');
    for (const name of Object.keys(SPOOFED)) expect(seen[0]![name], name).toBeUndefined();
  });

  it('never forwards the client’s own X-Forwarded-Host, even on an HTTP/1.0 request without Host', async () => {
    const before = upstream.seen.length;
    const res = await rawExchange(
      gw.url,
      `GET /proxy/h HTTP/1.0\r\nX-API-Key: ${key}\r\nX-Forwarded-Host: evil.example\r\n\r\n`,
    );
    expect(res.text).toMatch(/^HTTP\/1\.1 200 /);
    const seen = upstream.seen.slice(before).map((r) => r.headers);
    expect(seen).toHaveLength(1);
    expect(seen[0]!['x-forwarded-host']).toBeUndefined();
    expect(seen[0]!['x-forwarded-for']).toBe('127.0.0.1');
  });
});
