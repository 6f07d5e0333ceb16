import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { type CreatedKey, createKey } from '../support/proxy-client.js';

describe.each(['postgres', 'pglite'] as const)('/proxy authentication (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let key: CreatedKey;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url });
    key = await createKey(gw);
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** Asserts the request is rejected as a problem and never reaches the upstream. */
  async function expectRejected(
    init: { path?: string; headers?: Record<string, string> },
    status: number,
    code: string,
  ) {
    const before = upstream.seen.length;
    const res = await fetch(`${gw.url}${init.path ?? '/proxy/x'}`, { headers: init.headers ?? {} });
    await expectProblem(res, status, code);
    expect(upstream.seen.length).toBe(before);
  }

  it('accepts the key in the X-API-Key header', async () => {
    const res = await fetch(`${gw.url}/proxy/hello`, { headers: { 'x-api-key': key.key } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { url: string }).url).toBe('/hello');
  });

  it('accepts the key as ?api_key= and strips it from the upstream query', async () => {
    const res = await fetch(`${gw.url}/proxy/hello?a=1&api_key=${key.key}&b=two`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { url: string }).url).toBe('/hello?a=1&b=two');
  });

  it.each(['api%5Fkey', 'api%5fkey', 'API_KEY', 'Api_Key', '%61pi_key', 'API%5FKEY'])(
    'takes the key from ?%s= too (any letter case, any percent-encoding) and strips it',
    async (name) => {
      const res = await fetch(`${gw.url}/proxy/hello?a=1&${name}=${key.key}&b=two`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { url: string }).url).toBe('/hello?a=1&b=two');
    },
  );

  it('never forwards the raw key under any spelling of api_key, even when the header carries the key', async () => {
    const query = `api%5Fkey=${key.key}&x=1&API_KEY=${key.key}&api_%6Bey=${key.key}`;
    const res = await fetch(`${gw.url}/proxy/hello?${query}`, { headers: { 'x-api-key': key.key } });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.url).toBe('/hello?x=1');
    expect(JSON.stringify(seen.headers)).not.toContain(key.key);
  });

  it('lets the header win when both forms are sent', async () => {
    const unknown = generateApiKey().key;
    const good = await fetch(`${gw.url}/proxy/x?api_key=${unknown}`, { headers: { 'x-api-key': key.key } });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { url: string }).url).toBe('/x');
    await expectRejected(
      { path: `/proxy/x?api_key=${key.key}`, headers: { 'x-api-key': unknown } },
      401,
      'INVALID_API_KEY',
    );
  });

  it('answers 401 when no key is sent', async () => {
    await expectRejected({}, 401, 'UNAUTHORIZED');
  });

  it('answers 401 for a malformed key without a key lookup', async () => {
    const misses = await lookups(gw);
    await expectRejected({ headers: { 'x-api-key': 'not-a-key' } }, 401, 'INVALID_API_KEY');
    await expectRejected({ headers: { 'x-api-key': `${key.key}x` } }, 401, 'INVALID_API_KEY');
    expect(await lookups(gw)).toBe(misses);
  });

  it('answers 401 for a key whose checksum does not match, without a key lookup', async () => {
    // Swap one character of the body: same shape, different bytes, so the CRC-32 no longer matches.
    const i = key.key.length - 10;
    const typo = key.key.slice(0, i) + (key.key[i] === 'a' ? 'b' : 'a') + key.key.slice(i + 1);
    const misses = await lookups(gw);
    await expectRejected({ headers: { 'x-api-key': typo } }, 401, 'INVALID_API_KEY');
    expect(await lookups(gw)).toBe(misses);
  });

  it('answers 401 for a well-formed key that was never issued', async () => {
    await expectRejected({ headers: { 'x-api-key': generateApiKey().key } }, 401, 'INVALID_API_KEY');
  });

  it('answers 403 for a disabled key', async () => {
    const k = await createKey(gw);
    expect((await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const patch = await gw.admin(`/keys/${k.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    expect(patch.status).toBe(200);
    await expectRejected({ headers: { 'x-api-key': k.key } }, 403, 'KEY_DISABLED');
  });

  it('answers 403 once a key has expired, even while it is cached', async () => {
    const k = await createKey(gw, { expiresAt: new Date(Date.now() + 1_000).toISOString() });
    expect((await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    await eventually(async () => {
      const res = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': k.key } });
      await expectProblem(res, 403, 'KEY_EXPIRED');
    }, 3_000);
  });

  it('answers 401 for a deleted key', async () => {
    const k = await createKey(gw);
    expect((await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    expect((await gw.admin(`/keys/${k.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectRejected({ headers: { 'x-api-key': k.key } }, 401, 'INVALID_API_KEY');
  });
});

/** Key-store lookups so far (cache hits + misses): unchanged means the key was refused before any lookup. */
async function lookups(gw: TestGateway): Promise<number> {
  const { values } = await gw.gateway.services.metrics.keyCache.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}
