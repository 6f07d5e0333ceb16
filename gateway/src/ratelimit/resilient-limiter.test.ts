import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, minuteOf, policyOf } from '../../test/support/limits.js';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { hostPortOf, startTcpProxy } from '../../test/support/tcp-proxy.js';
import { createLogger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { rateLimitHeaders } from './headers.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import {
  createResilientRateLimiter,
  type RateLimitFailureMode,
  type ResilientRateLimiterOptions,
} from './resilient-limiter.js';
import type { RateLimitBackend, RateLimiter, RateLimits } from './types.js';

const { prefix, cleanup } = createRedisPrefix();
const T0 = Date.UTC(2030, 0, 15, 12, 0, 0);
const clock = () => T0;
const limits: RateLimits = { perMinute: 5, perDay: 100 };
// Fail fast instead of queueing: what the gateway configures in production too.
const failFast: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500 };
const clients: Redis[] = [];
let admin: Redis;

function client(options: RedisOptions, url = TEST_REDIS_URL): Redis {
  const redis = new Redis(url, options);
  redis.on('error', () => {}); // connection errors are the point of these tests
  clients.push(redis);
  return redis;
}

/** A client for a port nothing listens on: Redis is simply unreachable. */
const deadClient = () => client({ lazyConnect: true, retryStrategy: () => null, ...failFast }, 'redis://127.0.0.1:1');

type Breaker = Pick<ResilientRateLimiterOptions, 'probeBackoffMs' | 'probeBackoffMaxMs'>;

function setup(redis: Redis, mode: RateLimitFailureMode, breaker: Breaker = {}) {
  const metrics = createMetrics();
  const logs: { level: number; msg: string }[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => logs.push(JSON.parse(line)) } });
  const redisLimiter = createRedisRateLimiter({ redis, prefix, clock });
  // Counts the decisions sent to Redis: the round trips a hung Redis makes wait.
  const sent = { count: 0 };
  const primary: RateLimiter = {
    check: (keyId, policy, ownerId, cost) => {
      sent.count++;
      return redisLimiter.check(keyId, policy, ownerId, cost);
    },
    peek: (keyId, policy, ownerId) => redisLimiter.peek(keyId, policy, ownerId),
    close: () => redisLimiter.close(),
  };
  const limiter = createResilientRateLimiter({ primary, redis, mode, metrics, logger, clock, ...breaker });
  return { limiter, metrics, logs, sent };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function gauge(metrics: Metrics): Promise<number | undefined> {
  return (await metrics.rateLimitFailureMode.get()).values[0]?.value;
}

async function decisionCount(metrics: Metrics, result: string, backend: RateLimitBackend): Promise<number> {
  const { values } = await metrics.rateLimitDecisions.get();
  return values.find((v) => v.labels.result === result && v.labels.backend === backend)?.value ?? 0;
}

async function run(limiter: RateLimiter, keyId: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await limiter.check(keyId, policyOf(limits)));
  return out;
}

beforeAll(() => {
  admin = client({ commandTimeout: 2_000 });
});

afterEach(() => {
  for (const redis of clients.splice(1)) redis.disconnect();
});

afterAll(async () => {
  await cleanup();
  await admin.quit();
});

describe('createResilientRateLimiter with Redis unreachable', () => {
  it('really cannot reach Redis through the dead client', async () => {
    const primary = createRedisRateLimiter({ redis: deadClient(), prefix, clock });
    await expect(primary.check(randomUUID(), policyOf(limits))).rejects.toThrow();
  });

  it('local: limits exactly, in process', async () => {
    const { limiter, metrics, logs } = setup(deadClient(), 'local');
    const decisions = await run(limiter, randomUUID(), 8);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(decisions.every((d) => d.backend === 'local-fallback')).toBe(true);
    expect(decisions[7]?.retryAfterSeconds).toBe(72); // 5 × (1 − t/60 s) + 1 ≤ 5 from t = 12 s into the next minute
    expect(await gauge(metrics)).toBe(1);
    expect(await decisionCount(metrics, 'allowed', 'local-fallback')).toBe(5);
    expect(await decisionCount(metrics, 'denied', 'local-fallback')).toBe(3);
    expect(logs.filter((l) => l.level === 40)).toHaveLength(1); // one warning, not one per request
  });

  it('open: allows everything and reports the full limit remaining', async () => {
    const { limiter, metrics } = setup(deadClient(), 'open');
    const decisions = await run(limiter, randomUUID(), 8);
    expect(decisions.every((d) => d.allowed && d.backend === 'open')).toBe(true);
    expect(decisions[7]).toMatchObject({ retryAfterSeconds: 0 });
    expect(minuteOf(decisions[7]!).remaining).toBe(5);
    expect(dayOf(decisions[7]!).remaining).toBe(100);
    expect(await gauge(metrics)).toBe(1);
    expect(await decisionCount(metrics, 'allowed', 'open')).toBe(8);
  });

  it('closed: denies everything with a short Retry-After', async () => {
    const { limiter, metrics } = setup(deadClient(), 'closed');
    const decision = await limiter.check(randomUUID(), policyOf(limits));
    expect(decision).toMatchObject({ allowed: false, backend: 'closed', retryAfterSeconds: 5 });
    expect(rateLimitHeaders(decision)).toContainEqual(['Retry-After', '5']);
    expect(await gauge(metrics)).toBe(1);
    expect(await decisionCount(metrics, 'denied', 'closed')).toBe(1);
  });

  it('passes bad input through instead of treating it as an outage', async () => {
    const { limiter, metrics } = setup(deadClient(), 'open');
    await expect(limiter.check('ak_notAnId', policyOf(limits))).rejects.toThrow(RangeError);
    expect(await gauge(metrics)).toBe(0);
  });
});

describe('createResilientRateLimiter recovery', () => {
  it('warns at start when the client could hang on a dead Redis', () => {
    const { logs } = setup(client({ lazyConnect: true }), 'local');
    expect(logs.map((l) => l.msg)).toEqual([expect.stringContaining('no commandTimeout')]);
  });

  it('goes back to Redis once the connection is back', async () => {
    const redis = client(failFast);
    await new Promise((resolve) => redis.once('ready', resolve));
    const { limiter, metrics, logs } = setup(redis, 'local');
    const keyId = randomUUID();

    expect((await run(limiter, keyId, 2)).map((d) => d.backend)).toEqual(['redis', 'redis']);
    expect(await gauge(metrics)).toBe(0);

    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect();
    await ended;
    const local = await run(limiter, keyId, 3);
    expect(local.map((d) => d.backend)).toEqual(['local-fallback', 'local-fallback', 'local-fallback']);
    expect(await gauge(metrics)).toBe(1);

    await redis.connect();
    const back = await limiter.check(keyId, policyOf(limits));
    expect(back.backend).toBe('redis');
    expect(minuteOf(back).remaining).toBe(2); // 5 − (2 earlier on Redis + this one): local decisions are not in Redis
    expect(await gauge(metrics)).toBe(0);
    expect(logs.map((l) => [l.level, l.msg.split(';')[0]])).toEqual([
      [40, 'Redis unreachable (client end)'],
      [30, 'Redis reachable again'],
    ]);
  });

  it('engages on a failing command and probes Redis with one request at a time', async () => {
    const { limiter, metrics, logs } = setup(admin, 'local', { probeBackoffMs: 10 });
    const keyId = randomUUID();
    // A value of the wrong type makes the script's INCR fail with a genuine Redis error.
    const minuteKey = `${prefix}rl:{${keyId}}:k:${keyId}:m:${Math.floor(T0 / 60_000)}`;
    await admin.hset(minuteKey, 'poisoned', '1');

    expect((await limiter.check(keyId, policyOf(limits))).backend).toBe('local-fallback');
    expect(await gauge(metrics)).toBe(1);
    expect(logs).toHaveLength(1);

    await admin.del(minuteKey);
    await sleep(20); // the back-off
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => limiter.check(keyId, policyOf(limits))));
    expect(concurrent.filter((d) => d.backend === 'redis')).toHaveLength(1);
    expect(concurrent.filter((d) => d.backend === 'local-fallback')).toHaveLength(4);
    expect((await limiter.check(keyId, policyOf(limits))).backend).toBe('redis');
    expect(await gauge(metrics)).toBe(0);
  });
});

describe('createResilientRateLimiter with a hung Redis (connection open, no answers)', () => {
  it('costs one command timeout per probe, not one per request, and recovers by itself', async () => {
    const link = await startTcpProxy(hostPortOf(TEST_REDIS_URL, 6379));
    try {
      const redis = client(failFast, link.url(TEST_REDIS_URL));
      await new Promise((resolve) => redis.once('ready', resolve));
      const { limiter, metrics, sent } = setup(redis, 'local', { probeBackoffMs: 1_500, probeBackoffMaxMs: 3_000 });
      const keyId = randomUUID();
      expect((await limiter.check(keyId, policyOf(limits))).backend).toBe('redis');

      link.freeze();
      const started = performance.now();
      const during = await run(limiter, keyId, 8);
      const elapsed = performance.now() - started;
      expect(during.map((d) => d.backend)).toEqual(Array(8).fill('local-fallback'));
      expect(await gauge(metrics)).toBe(1);
      // Before the breaker every one of the 8 went to Redis and waited 500 ms (4 s in all).
      expect(sent.count).toBe(2);
      expect(elapsed).toBeLessThan(1_500);

      // After the back-off, one request probes (and waits); the others are decided locally meanwhile.
      await sleep(1_600);
      const probe = await Promise.all(Array.from({ length: 5 }, () => limiter.check(keyId, policyOf(limits))));
      expect(probe.every((d) => d.backend === 'local-fallback')).toBe(true);
      expect(sent.count).toBe(3);
      expect((await run(limiter, keyId, 4)).every((d) => d.backend === 'local-fallback')).toBe(true);
      expect(sent.count).toBe(3); // the back-off doubled: no probe yet

      // Redis answers again: the first probe after the (doubled) back-off closes the breaker.
      link.restore();
      await sleep(3_100);
      expect((await limiter.check(keyId, policyOf(limits))).backend).toBe('redis');
      expect(await gauge(metrics)).toBe(0);
      expect((await limiter.check(keyId, policyOf(limits))).backend).toBe('redis');
    } finally {
      await link.close();
    }
  }, 15_000);
});
