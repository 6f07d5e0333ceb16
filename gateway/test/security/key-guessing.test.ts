import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { createTestDatabase } from '../support/database.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { metricValue, readMetric, scrapeMetrics } from '../support/metrics.js';
import { expectProblem } from '../support/problem.js';
import { type CreatedKey, countByStatus, createKey } from '../support/proxy-client.js';
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

/** A GET from a given loopback source address (127.0.0.0/8 is all ours on Linux). */
function from(gw: TestGateway, localAddress: string, headers: Record<string, string>) {
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

/**
 * A gateway on PostgreSQL whose database connection goes through a TCP proxy (to count key lookups
 * and cut the database), in front of an upstream that answers "ok".
 */
async function startGuessingTarget(env: Record<string, string>) {
  const upstream = await startUpstream((_req, res) => res.end('ok'));
  const db = await createTestDatabase();
  const link = await startTcpProxy(hostPortOf(db.url, 5432));
  const queries = countKeyQueries(link);
  const gw = await startTestGateway({
    backend: 'postgres',
    upstreamUrl: upstream.url,
    databaseUrl: link.url(db.url),
    env,
  });
  const close = async () => {
    await gw.stop();
    await link.close();
    await db.drop();
    await upstream.close();
  };
  return { gw, link, queries, close };
}

/** A key with the right shape but one character changed: its CRC-32 no longer matches. */
function badChecksum(key: string): string {
  const i = key.length - 5;
  return key.slice(0, i) + (key[i] === 'z' ? 'y' : 'z') + key.slice(i + 1);
}

describe('API key guessing', () => {
  let target: Awaited<ReturnType<typeof startGuessingTarget>>;
  let gw: TestGateway;
  let queries: () => number;
  let valid: CreatedKey;
  let seq = 0;
  /** A fresh client network (/24) per call (TRUST_PROXY trusts loopback, so X-Forwarded-For names it). */
  const anotherClient = () => ({ 'x-forwarded-for': `198.${18 + (seq >> 8)}.${seq++ & 255}.1` });

  beforeAll(async () => {
    target = await startGuessingTarget({ AUTH_FAILURES_PER_MINUTE: '5', KEY_CACHE_NEGATIVE_TTL_MS: '1000' });
    ({ gw, queries } = target);
    valid = await createKey(gw);
  });
  afterAll(() => target?.close());

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

  it('cannot be dodged by inventing a new X-Forwarded-For for every guess', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        await from(gw, '127.0.0.5', { 'x-api-key': generateApiKey().key, 'x-forwarded-for': `203.0.113.${i}` }),
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('leaves another client network alone', async () => {
    expect(await from(gw, '127.0.1.6', { 'x-api-key': generateApiKey().key })).toBe(401);
  });
});

describe('API key guessing from many addresses', () => {
  let target: Awaited<ReturnType<typeof startGuessingTarget>>;
  let gw: TestGateway;
  let queries: () => number;
  let valid: CreatedKey;

  beforeAll(async () => {
    // The lookup budget is out of the way here (its own suite below): these guesses come faster than
    // 20 a second on a quick machine, and the budget's 503s would hide the throttle's 401s and 429s.
    target = await startGuessingTarget({ AUTH_FAILURES_PER_MINUTE: '10', UNKNOWN_KEY_LOOKUPS_PER_SECOND: '1000000' });
    ({ gw, queries } = target);
    valid = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
  });
  afterAll(() => target?.close());

  it('throttles the addresses of one IPv4 /24 together (real source addresses)', async () => {
    expect(await from(gw, '127.0.9.1', { 'x-api-key': valid.key })).toBe(200); // now cached as valid
    const before = queries();
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let host = 1; host <= 20; host++) {
        statuses.push(await from(gw, `127.0.7.${host}`, { 'x-api-key': generateApiKey().key }));
      }
    }
    // Before: per exact address, so 20 addresses × 3 guesses were 60 lookups and 60 × 401.
    expect(countByStatus(statuses.map((status) => ({ status })))).toEqual({ 401: 10, 429: 50 });
    expect(queries() - before).toBe(10);
    // Another /24 is another client; a key cached as valid works from the throttled network.
    expect(await from(gw, '127.0.8.1', { 'x-api-key': generateApiKey().key })).toBe(401);
    expect(await from(gw, '127.0.7.99', { 'x-api-key': valid.key })).toBe(200);
  });

  it('throttles an IPv6 /64 together, and an IPv4-mapped IPv6 address as its IPv4 network', async () => {
    const v6: number[] = [];
    for (let i = 1; i <= 20; i++) {
      v6.push((await guess(gw, generateApiKey().key, { 'x-forwarded-for': `2001:db8:7:7::${i.toString(16)}` })).status);
    }
    expect(v6).toEqual([...Array(10).fill(401), ...Array(10).fill(429)]);
    expect((await guess(gw, generateApiKey().key, { 'x-forwarded-for': '2001:db8:7:8::1' })).status).toBe(401);

    for (let i = 1; i <= 10; i++) {
      await expectProblem(await guess(gw, generateApiKey().key, { 'x-forwarded-for': `198.51.100.${i}` }), 401);
    }
    const mapped = await guess(gw, generateApiKey().key, { 'x-forwarded-for': '::ffff:198.51.100.200' });
    await expectProblem(mapped, 429, 'TOO_MANY_FAILED_ATTEMPTS');
  });
});

describe('API key lookups under a flood from many networks', () => {
  let target: Awaited<ReturnType<typeof startGuessingTarget>>;
  let gw: TestGateway;
  let queries: () => number;
  let valid: CreatedKey;

  beforeAll(async () => {
    target = await startGuessingTarget({ AUTH_FAILURES_PER_MINUTE: '10', UNKNOWN_KEY_LOOKUPS_PER_SECOND: '20' });
    ({ gw, queries } = target);
    valid = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
  });
  afterAll(() => target?.close());

  it('bounds database lookups of unknown keys from many networks by UNKNOWN_KEY_LOOKUPS_PER_SECOND', async () => {
    expect((await guess(gw, valid.key)).status).toBe(200); // cached as valid
    const before = queries();
    const refusedBefore = await readMetric(gw.managementUrl, 'gateway_key_cache_lookups_total', { result: 'refused' });
    const started = performance.now();
    const statuses: number[] = [];
    const validStatuses: number[] = [];
    // 300 unknown keys, each from its own /24 (so the per-network throttle never applies), 30 at a time,
    // with the valid key sent between them.
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          guess(gw, generateApiKey().key, { 'x-forwarded-for': `10.${batch}.${i}.1` }).then((r) => r.status),
        ),
      );
      statuses.push(...answers);
      validStatuses.push((await guess(gw, valid.key, { 'x-forwarded-for': `10.${batch}.0.2` })).status);
    }
    const seconds = (performance.now() - started) / 1000;
    const lookups = queries() - before;
    console.log(`300 unknown keys from 300 networks in ${seconds.toFixed(2)} s: ${lookups} database lookups`);
    // Before: 300 lookups. The budget: 20 a second, bursting to 20.
    expect(lookups).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1));
    expect(lookups).toBeGreaterThan(0);
    expect(Object.keys(countByStatus(statuses.map((status) => ({ status }))))).toEqual(['401', '503']);
    expect(validStatuses).toEqual(Array(10).fill(200)); // a key cached as valid is never refused
    const refused = await readMetric(gw.managementUrl, 'gateway_key_cache_lookups_total', { result: 'refused' });
    expect(refused - refusedBefore).toBe(statuses.filter((s) => s === 503).length);
    const res = await guess(gw, generateApiKey().key, { 'x-forwarded-for': '10.200.0.1' });
    if (res.status === 503) {
      await expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('1');
    }
  });
});

describe('API key cache under a flood of unknown keys', () => {
  let target: Awaited<ReturnType<typeof startGuessingTarget>>;
  let gw: TestGateway;
  let link: TcpProxy;

  beforeAll(async () => {
    target = await startGuessingTarget({
      KEY_CACHE_MAX: '100',
      KEY_CACHE_NEGATIVE_TTL_MS: '60000',
      AUTH_FAILURES_PER_MINUTE: '1000000',
      UNKNOWN_KEY_LOOKUPS_PER_SECOND: '1000000',
    });
    ({ gw, link } = target);
  });
  afterAll(() => target?.close());

  it('keeps a valid key cached through 250 unknown keys, so it still works when PostgreSQL goes away', async () => {
    const valid = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
    expect((await guess(gw, valid.key)).status).toBe(200);
    const missesBefore = await readMetric(gw.managementUrl, 'gateway_key_cache_lookups_total', { result: 'miss' });
    for (let batch = 0; batch < 10; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 25 }, () => guess(gw, generateApiKey().key).then((r) => r.status)),
      );
      expect(statuses).toEqual(Array(25).fill(401));
    }
    const misses = await readMetric(gw.managementUrl, 'gateway_key_cache_lookups_total', { result: 'miss' });
    expect(misses - missesBefore).toBe(250); // every one was looked up and remembered as unknown

    link.cut();
    try {
      // Before: the unknown keys had evicted it from the shared LRU → 503 during the outage.
      expect((await guess(gw, valid.key)).status).toBe(200);
    } finally {
      link.restore();
    }
  });
});
