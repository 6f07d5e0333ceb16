import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createKey, rawRequest } from '../support/proxy-client.js';
import { rawExchange } from '../support/raw-http.js';
import { startUpstream } from '../support/upstream.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const BINARY = randomBytes(256 * 1024); // every byte value, many times over
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Echo {
  method: string;
  url: string;
  contentType: string | null;
  bodySha: string;
  bodyLength: number;
}

// Forwarding never touches the database or the limiter's storage, so one backend is enough here;
// the embedded path's proxy behaviour is covered by the auth, limits, usage and metrics suites.
describe('/proxy forwarding', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let key: string;
  // PUBLIC_URL with a path: the public front serves the gateway's /proxy at /gw/proxy.
  let publicGw: TestGateway;
  let publicKey: string;

  beforeAll(async () => {
    // The upstream lives under /v1: INTERNAL_API_BASE_URL carries a path of its own.
    upstream = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url === '/v1/binary') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(BINARY);
        }
        if (req.url === '/v1/status/503') {
          res.writeHead(503, { 'content-type': 'text/plain' });
          return res.end('upstream says no');
        }
        if (req.url?.startsWith('/v1/redirect/')) {
          const to = {
            absolute: `${upstream.url}/v1/next?x=1`,
            relative: '/v1/next',
            root: '/v1?from=logout',
            foreign: 'https://example.com/a',
          };
          res.writeHead(302, { location: to[req.url.slice('/v1/redirect/'.length) as keyof typeof to] });
          return res.end();
        }
        if (req.url === '/v1/echo-headers') {
          const forwarded = { proto: req.headers['x-forwarded-proto'], host: req.headers['x-forwarded-host'] };
          return res.end(JSON.stringify({ forwarded }));
        }
        const echo: Echo = {
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'] ?? null,
          bodySha: sha(body),
          bodyLength: body.length,
        };
        res.writeHead(200, { 'content-type': 'application/json', 'x-echo-method': req.method ?? '' });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify(echo));
      });
    });
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: `${upstream.url}/v1` });
    key = (await createKey(gw, { limitPerMinute: 10_000 })).key;
    publicGw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: `${upstream.url}/v1`,
      env: { PUBLIC_URL: 'https://api.example.com/gw/', TRUST_PROXY: 'false' },
    });
    publicKey = (await createKey(publicGw)).key;
  });
  afterAll(async () => {
    await publicGw?.stop();
    await gw?.stop();
    await upstream?.close();
  });

  const proxy = (path: string, init: RequestInit = {}) =>
    fetch(`${gw.url}/proxy${path}`, { ...init, headers: { 'x-api-key': key, ...(init.headers as object) } });

  it.each(METHODS)('forwards %s with its method and path', async (method) => {
    const res = await proxy('/items/42', { method });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo-method')).toBe(method);
    if (method === 'HEAD') return expect(await res.text()).toBe('');
    expect(await res.json()).toMatchObject({ method, url: '/v1/items/42' });
  });

  it('keeps the query string byte for byte, without api_key', async () => {
    const res = await fetch(`${gw.url}/proxy/search?q=a%20b&api_key=${key}&tag=x&tag=y&empty=&flag`);
    expect(((await res.json()) as Echo).url).toBe('/v1/search?q=a%20b&tag=x&tag=y&empty=&flag');
  });

  it('maps /proxy and /proxy/ to the base path itself', async () => {
    expect(((await (await proxy('')).json()) as Echo).url).toBe('/v1');
    expect(((await (await proxy('/')).json()) as Echo).url).toBe('/v1/');
  });

  it('sends a binary request body byte-exact with its content type', async () => {
    const res = await proxy('/upload', { method: 'PUT', body: BINARY, headers: { 'content-type': 'image/png' } });
    expect(await res.json()).toMatchObject({
      contentType: 'image/png',
      bodyLength: BINARY.length,
      bodySha: sha(BINARY),
    });
  });

  it('sends a chunked request body of unknown length', async () => {
    const parts = [BINARY.subarray(0, 1000), BINARY.subarray(1000)];
    const body = new ReadableStream({
      start(c) {
        for (const p of parts) c.enqueue(p);
        c.close();
      },
    });
    const res = await proxy('/upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(await res.json()).toMatchObject({ bodyLength: BINARY.length, bodySha: sha(BINARY) });
  });

  it('returns a binary response body byte-exact', async () => {
    const res = await proxy('/binary');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(BINARY));
  });

  it('passes upstream error answers through untouched', async () => {
    const res = await proxy('/status/503');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('upstream says no');
  });

  it('leaves a Location pointing elsewhere untouched', async () => {
    const res = await proxy('/redirect/foreign', { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/a');
  });

  it('rewrites an absolute Location pointing at the upstream to the gateway', async () => {
    const res = await proxy('/redirect/absolute', { redirect: 'manual' });
    expect(res.headers.get('location')).toBe(`${gw.url}/proxy/next?x=1`);
  });

  it('rewrites a path-only Location under the base path to the gateway', async () => {
    const res = await proxy('/redirect/relative', { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/proxy/next');
  });

  it('rewrites a Location pointing at the base path itself to /proxy', async () => {
    const res = await proxy('/redirect/root', { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/proxy?from=logout');
  });

  it('rewrites Location to PUBLIC_URL whatever Host the client sent', async () => {
    for (const [path, location] of [
      ['/redirect/absolute', 'https://api.example.com/gw/proxy/next?x=1'],
      ['/redirect/relative', '/gw/proxy/next'],
      ['/redirect/root', '/gw/proxy?from=logout'],
      ['/redirect/foreign', 'https://example.com/a'],
    ]) {
      const res = await rawRequest(publicGw.url, {
        path: `/proxy${path}`,
        headers: { 'x-api-key': publicKey, host: 'evil.example' },
      });
      expect(res.status).toBe(302);
      expect(res.headers.location, path).toBe(location);
    }
  });

  it('sends the upstream PUBLIC_URL’s scheme and host as X-Forwarded-Proto/-Host', async () => {
    const res = await rawRequest(publicGw.url, {
      path: '/proxy/echo-headers',
      headers: { 'x-api-key': publicKey, host: 'evil.example' },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).forwarded).toEqual({ proto: 'https', host: 'api.example.com' });
  });

  it('rewrites an absolute Location to a path when the request named no host (HTTP/1.0)', async () => {
    const res = await rawExchange(gw.url, `GET /proxy/redirect/absolute HTTP/1.0\r\nX-API-Key: ${key}\r\n\r\n`);
    expect(res.text).toMatch(/^HTTP\/1\.1 302 /);
    expect(res.text).toContain('\r\nlocation: /proxy/next?x=1\r\n');
  });
});
