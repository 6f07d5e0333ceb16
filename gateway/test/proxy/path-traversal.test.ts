import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createKey, rawRequest } from '../support/proxy-client.js';

// Paths that would climb out of INTERNAL_API_BASE_URL's path (/api) if the gateway or the upstream
// normalised them. Sent with node:http and a literal path: fetch would normalise `..` itself.
const REFUSED = [
  '/proxy/../admin',
  '/proxy/api/../../admin',
  '/proxy/./admin',
  '/proxy/x/..',
  '/proxy/%2e%2e/admin',
  '/proxy/%2E%2E/admin',
  '/proxy/.%2e/admin',
  '/proxy/%2e%2e%2fadmin',
  '/proxy/a/%2F..%2Fb',
  '/proxy/a%2fb',
  '/proxy/..%5cadmin',
  '/proxy/..%5c',
  '/proxy/..\\admin',
  '/proxy/a%00b',
  '/proxy/..;/admin', // servlet containers drop ";params" and then see ".."
  '/proxy/%2e%2e;x=1/admin',
  '/proxy/..%3b/admin',
  '/proxy/%zz/admin', // not valid percent-encoding: cannot be checked, so not forwarded
];

// Sent to paths that are not /proxy at all: they must reach neither the upstream nor a gateway route.
const NOT_PROXY = ['/proxy%2f..%2fmetrics', '/proxy..%2fmetrics', '/proxyadmin'];

describe('/proxy path traversal', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: `${upstream.url}/api` });
    key = (await createKey(gw, { limitPerMinute: 1_000 })).key;
  });
  beforeEach(() => {
    upstream.seen.length = 0;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** With the key AND the admin token, so that reaching a gateway route would succeed visibly. */
  const send = (path: string) =>
    rawRequest(gw.url, { path, headers: { 'x-api-key': key, authorization: `Bearer ${gw.adminToken}` } });

  it.each(REFUSED)('refuses %s with 400 before reaching the upstream', async (path) => {
    const res = await send(path);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'BAD_REQUEST' });
    expect(upstream.urls()).toEqual([]);
  });

  it.each(NOT_PROXY)('answers %s with a 404 from the gateway, not the upstream nor /metrics', async (path) => {
    const res = await send(path);
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('gateway_');
    expect(upstream.urls()).toEqual([]);
  });

  it('forwards a double-encoded dot segment verbatim, still inside the base path', async () => {
    const res = await send('/proxy/%252e%252e/admin');
    expect(res.status).toBe(200);
    // The upstream gets `%252e%252e`: decoded once it is the literal segment "%2e%2e" under /api.
    expect(upstream.urls()).toEqual(['/api/%252e%252e/admin']);
    expect(new URL(upstream.urls()[0]!, 'http://upstream').pathname).toBe('/api/%252e%252e/admin');
  });

  it('forwards dots that are not dot segments', async () => {
    const res = await send('/proxy/v1.2/file..txt/.well-known');
    expect(res.status).toBe(200);
    expect(upstream.urls()).toEqual(['/api/v1.2/file..txt/.well-known']);
  });

  it('keeps `..` in the query string out of the path', async () => {
    const res = await send('/proxy/x?next=../../admin');
    expect(res.status).toBe(200);
    expect(upstream.urls()).toEqual(['/api/x?next=../../admin']);
  });
});
