import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient } from './client.js';
import { unwrap } from './result.js';
import { parseRetryAfter } from './transport.js';

// A real HTTP server on port 0 plays the gateway: each path answers one way the real one (or something
// in front of it) can. What the SDK makes of each answer is the logic under test.
const KEY = {
  id: '7b0f2b7e-3c1e-4a57-9d3e-2f6a1c1d9e01',
  userId: '0c3e9d8a-5b7f-4f2e-8a1d-6e4b3c2a1f00',
  name: 'ci',
  start: 'ak_7Kq2',
  active: true,
  disabledByAdmin: false,
  planId: null,
  limitPerMinute: 60,
  limitPerDay: 1000,
  expiresAt: null,
  createdAt: '2026-11-29T10:00:00.000Z',
  lastUsedAt: null,
  scopes: null,
  allowedIps: null,
  restrictedByAdmin: false,
  previousSecret: null,
};
const problem = (status: number, code: string, detail: string, extra: object = {}) => ({
  type: `https://api-gateway.dev/problems/${code.toLowerCase()}`,
  title: 'Title',
  status,
  detail,
  code,
  requestId: 'req-1',
  ...extra,
});

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const json = (status: number, value: unknown, type = 'application/json', headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(JSON.stringify(value));
  };
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === `/keys/${KEY.id}` && req.method === 'GET') return void json(200, KEY);
  if (path === `/keys/${KEY.id}` && req.method === 'PATCH') return void json(200, { ...KEY, ...JSON.parse(body) });
  if (path === `/keys/${KEY.id}` && req.method === 'DELETE') return void res.writeHead(204).end();
  if (path === '/keys' && req.method === 'POST') {
    return void json(
      400,
      problem(400, 'VALIDATION_FAILED', 'Invalid request body', {
        errors: [{ path: 'name', message: 'must not be empty' }],
      }),
      'application/problem+json',
    );
  }
  if (path === '/keys/limited')
    return void json(429, problem(429, 'RATE_LIMITED', 'Slow down'), 'application/problem+json', {
      'retry-after': '7',
    });
  if (path === '/keys/html') {
    res.writeHead(502, { 'content-type': 'text/html' });
    return void res.end('<html><body>Bad Gateway</body></html>');
  }
  if (path === '/keys/wrong-shape') return void json(200, { ...KEY, active: 'yes' });
  if (path === '/keys/hang') return; // never answers
  if (path === '/keys') return void json(200, { data: [KEY], nextCursor: null });
  json(404, problem(404, 'NOT_FOUND', 'nothing here'), 'application/problem+json');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => answer(req, res, body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

describe('createGatewayClient', () => {
  it('answers the parsed body as { ok: true, data } and sends the token as a Bearer', async () => {
    const client = createGatewayClient({ baseUrl: `${base}/`, token: 'gwt_secret' });
    const result = await client.keys.get(KEY.id);
    expect(result).toEqual({ ok: true, data: KEY, status: 200 });
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer gwt_secret');
  });

  it('answers a problem+json error as a typed failure with its code and field errors', async () => {
    const result = await createGatewayClient({ baseUrl: base, token: 't' }).keys.create({ name: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result).toMatchObject({
      kind: 'problem',
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'Invalid request body',
    });
    expect(result.fieldErrors).toEqual([{ path: 'name', message: 'must not be empty' }]);
    expect(result.problem?.requestId).toBe('req-1');
  });

  it('reads Retry-After of a 429', async () => {
    const result = await createGatewayClient({ baseUrl: base }).keys.get('limited');
    expect(result).toMatchObject({ ok: false, kind: 'problem', code: 'RATE_LIMITED', retryAfterSeconds: 7 });
  });

  it('calls an error page that is not a problem an invalid response, keeping its status', async () => {
    const result = await createGatewayClient({ baseUrl: base }).keys.get('html');
    expect(result).toMatchObject({ ok: false, kind: 'invalid-response', status: 502, code: null, problem: null });
  });

  it('refuses a success body that breaks the contract, naming the field', async () => {
    const result = await createGatewayClient({ baseUrl: base }).keys.get('wrong-shape');
    expect(result).toMatchObject({ ok: false, kind: 'invalid-response', status: 200 });
    if (!result.ok) expect(result.message).toContain('(active)');
  });

  it('answers 204 with undefined data', async () => {
    expect(await createGatewayClient({ baseUrl: base }).keys.delete(KEY.id)).toEqual({
      ok: true,
      data: undefined,
      status: 204,
    });
  });

  it('sends enable/disable as PATCH { active } with a JSON content type', async () => {
    const result = await createGatewayClient({ baseUrl: base, token: 't' }).keys.disable(KEY.id);
    expect(unwrap(result).active).toBe(false);
    const sent = seen.at(-1);
    expect(sent?.method).toBe('PATCH');
    expect(JSON.parse(sent?.body ?? '')).toEqual({ active: false });
    expect(sent?.headers['content-type']).toBe('application/json');
  });

  it('leaves empty query values out and encodes the rest and path ids', async () => {
    const client = createGatewayClient({ baseUrl: base });
    await client.keys.list({ search: 'a b&c', userId: undefined, state: 'active', limit: 5 });
    expect(seen.at(-1)?.url).toBe('/keys?search=a+b%26c&state=active&limit=5');
    await client.keys.get('../users');
    expect(seen.at(-1)?.url).toBe('/keys/..%2Fusers');
  });

  it('answers a refused connection as a network failure (no status, no throw)', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const result = await createGatewayClient({ baseUrl: `http://127.0.0.1:${port}` }).keys.list();
    expect(result).toMatchObject({ ok: false, kind: 'network', status: null, code: null });
    if (!result.ok) expect(result.message).toContain('ECONNREFUSED');
  });

  it('gives up after timeoutMs as a network failure', async () => {
    const result = await createGatewayClient({ baseUrl: base, timeoutMs: 200 }).keys.get('hang');
    expect(result).toMatchObject({ ok: false, kind: 'network' });
    if (!result.ok) expect(result.message).toContain('no answer within 200 ms');
  });

  it('unwrap throws a GatewayError carrying the failure', async () => {
    const result = await createGatewayClient({ baseUrl: base }).keys.get('missing');
    expect(() => unwrap(result)).toThrowError(
      expect.objectContaining({ name: 'GatewayError', code: 'NOT_FOUND', status: 404 }),
    );
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createGatewayClient({ baseUrl: 'localhost:3002' })).toThrow(TypeError);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('auth.oidcStartUrl', () => {
  it('resolves a relative start URL against the gateway and adds the return path', () => {
    const client = createGatewayClient({ baseUrl: 'http://gw:3002/' });
    expect(client.auth.oidcStartUrl('/auth/oidc/start', '/keys?x=1')).toBe(
      'http://gw:3002/auth/oidc/start?returnTo=%2Fkeys%3Fx%3D1',
    );
    expect(client.auth.oidcStartUrl('https://sso.example/start?a=b', '/')).toBe(
      'https://sso.example/start?a=b&returnTo=%2F',
    );
  });
});
