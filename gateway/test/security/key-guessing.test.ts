import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { createTestDatabase } from '../support/database.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { metricValue, scrapeMetrics } from '../support/metrics.js';
import { expectProblem } from '../support/problem.js';
import { type CreatedKey, createKey } from '../support/proxy-client.js';
import { hostPortOf, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startUpstream } from '../support/upstream.js';

/**
 * Counts the key lookups that really reach PostgreSQL: the gateway's database connection goes
 * through a TCP proxy whose tap counts statements filtering on `key_hash` (only the key lookup
 * does; key creation inserts it as a column value).
 */
function countKeyQueries(link: TcpProxy) {
  let count = 0;
  let tail = '';
  link.onClientData((chunk) => {
    const text = tail + chunk.toString('latin1');
    count += text.split('"key_hash" = $').length - 1;
    tail = text.slice(-32); // a match split across two chunks is still seen once
    if (tail.includes('"key_hash" = $')) tail = '';
  });
  return () => count;
}

const guess = (gw: TestGateway, key: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key, ...headers } });

/** A key with the right shape but one character changed: its CRC-32 no longer matches. */
function badChecksum(key: string): string {
  const i = key.length - 5;
  return key.slice(0, i) + (key[i] === 'z' ? 'y' : 'z') + key.slice(i + 1);
}

describe('API key guessing', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let link: TcpProxy;
  let gw: TestGateway;
  let queries: () => number;
  let valid: CreatedKey;
  let seq = 0;
  /** A fresh client address per call (TRUST_PROXY trusts loopback, so X-Forwarded-For names it). */
  const anotherClient = () => ({ 'x-forwarded-for': `198.18.${seq >> 8}.${seq++ & 255}` });

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    db = await createTestDatabase();
    link = await startTcpProxy(hostPortOf(db.url, 5432));
    queries = countKeyQueries(link);
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      databaseUrl: link.url(db.url),
      env: { AUTH_FAILURES_PER_MINUTE: '5', KEY_CACHE_NEGATIVE_TTL_MS: '1000' },
    });
    valid = await createKey(gw);
  });
  afterAll(async () => {
    await gw?.stop();
    await link?.close();
    await db?.drop();
    await upstream?.close();
  });

  it('counts the lookup query itself (the tap sees real lookups)', async () => {
    const before = queries();
    expect((await guess(gw, valid.key, anotherClient())).status).toBe(200);
    expect(queries()).toBe(before + 1);
    expect((await guess(gw, valid.key, anotherClient())).status).toBe(200); // cached now
    expect(queries()).toBe(before + 1);
  });

  it('refuses malformed and wrong-checksum keys without any database query', async () => {
    const before = queries();
    const candidates = [
      'ak_',
      'x'.repeat(40),
      `ak_${'1'.repeat(32)}`,
      `${valid.key}0`,
      valid.key.replace('ak_', 'AK_'),
      ...Array.from({ length: 20 }, () => badChecksum(generateApiKey().key)),
    ];
    for (const candidate of candidates) {
      await expectProblem(await guess(gw, candidate, anotherClient()), 401, 'INVALID_API_KEY');
    }
    expect(queries()).toBe(before);
  });

  it('looks a well-formed unknown key up once, then answers from the negative cache until it expires', async () => {
    const unknown = generateApiKey().key;
    const before = queries();
    const text0 = await scrapeMetrics(gw.managementUrl);
    for (let i = 0; i < 10; i++) await expectProblem(await guess(gw, unknown, anotherClient()), 401);
    expect(queries()).toBe(before + 1);
    const text1 = await scrapeMetrics(gw.managementUrl);
    const delta = (result: string) =>
      metricValue(text1, 'gateway_key_cache_lookups_total', { result }) -
      metricValue(text0, 'gateway_key_cache_lookups_total', { result });
    expect(delta('miss')).toBe(1);
    expect(delta('negative_hit')).toBe(9);
    // KEY_CACHE_NEGATIVE_TTL_MS=1000 here: a key created meanwhile is found within a second.
    await new Promise((r) => setTimeout(r, 1_100));
    await expectProblem(await guess(gw, unknown, anotherClient()), 401);
    expect(queries()).toBe(before + 2);
  });

  it('shares one query among concurrent requests for the same unknown key', async () => {
    const unknown = generateApiKey().key;
    const before = queries();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () => guess(gw, unknown, anotherClient()).then((r) => r.status)),
    );
    expect(statuses).toEqual(new Array(30).fill(401));
    expect(queries()).toBe(before + 1);
  });

  it('lets one address cost the database at most AUTH_FAILURES_PER_MINUTE lookups a minute', async () => {
    const client = anotherClient();
    const before = queries();
    const statuses: number[] = [];
    // 200 distinct well-formed guesses (each would be a miss), through the header and the query.
    for (let i = 0; i < 200; i++) {
      const k = generateApiKey().key;
      const res =
        i % 2 ? await guess(gw, k, client) : await fetch(`${gw.url}/proxy/x?api_key=${k}`, { headers: client });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    expect(queries() - before).toBe(5);
  });
});

describe('API key guessing behind no trusted proxy', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'false' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** A GET from a given loopback source address (127.0.0.0/8 is all ours on Linux). */
  function from(localAddress: string, headers: Record<string, string>) {
    const { port } = new URL(gw.url);
    return new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/proxy/x', localAddress, headers, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('cannot be dodged by inventing a new X-Forwarded-For for every guess', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        await from('127.0.0.5', { 'x-api-key': generateApiKey().key, 'x-forwarded-for': `203.0.113.${i}` }),
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('leaves another client address alone', async () => {
    expect(await from('127.0.0.6', { 'x-api-key': generateApiKey().key })).toBe(401);
  });
});
