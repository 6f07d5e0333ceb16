import { createHash, randomUUID } from 'node:crypto';
import { type Command, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyOf } from '../../test/support/limits.js';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import type { RateLimiter, RateLimits } from './types.js';

const { prefix, cleanup } = createRedisPrefix();
const T0 = Date.UTC(2030, 0, 15, 12, 0, 10); // 12:00:10 UTC
const clock = () => T0;
let replicaA: Redis;
let replicaB: Redis;

beforeAll(() => {
  replicaA = new Redis(TEST_REDIS_URL);
  replicaB = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  await cleanup();
  await Promise.all([replicaA.quit(), replicaB.quit()]);
});

async function keysOf(keyId: string): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of replicaA.scanStream({ match: `${prefix}rl:{${keyId}}:*`, count: 500 })) {
    found.push(...(keys as string[]));
  }
  return found.sort();
}

/** 200 concurrent checks, alternating between two gateway replicas with their own connections. */
async function acrossReplicas(limiters: RateLimiter[], keyId: string, limits: RateLimits) {
  const decisions = await Promise.all(
    Array.from({ length: 200 }, (_, i) => (limiters[i % 2] as RateLimiter).check(keyId, policyOf(limits))),
  );
  return decisions.filter((d) => d.allowed).length;
}

describe('createRedisRateLimiter', () => {
  it('shares the minute limit exactly between two replicas', async () => {
    const limiters = [replicaA, replicaB].map((redis) => createRedisRateLimiter({ redis, prefix, clock }));
    expect(await acrossReplicas(limiters, randomUUID(), { perMinute: 50, perDay: 10_000 })).toBe(50);
  });

  it('shares the day quota exactly between two replicas', async () => {
    const limiters = [replicaA, replicaB].map((redis) => createRedisRateLimiter({ redis, prefix, clock }));
    expect(await acrossReplicas(limiters, randomUUID(), { perMinute: 1_000, perDay: 50 })).toBe(50);
  });

  it('names keys by key id under one hash tag', async () => {
    const limiter = createRedisRateLimiter({ redis: replicaA, prefix, clock });
    const keyId = randomUUID();
    await limiter.check(keyId, policyOf({ perMinute: 5, perDay: 5 }));
    const bucket = Math.floor(T0 / 60_000);
    expect(await keysOf(keyId)).toEqual([
      `${prefix}rl:{${keyId}}:k:${keyId}:d:20300115`,
      `${prefix}rl:{${keyId}}:k:${keyId}:m:${bucket}`,
    ]);
    for (const key of await keysOf(keyId)) {
      // Redis Cluster hashes only the first {…} section.
      expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe(keyId);
    }
  });

  it('encodes a key prefix of multi-byte characters correctly on the wire', async () => {
    // The command's encoding is cached per key and minute; RESP lengths count bytes, not characters.
    const wide = `${prefix}é→`;
    const limiter = createRedisRateLimiter({ redis: replicaA, prefix: wide, clock });
    const keyId = randomUUID();
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.check(keyId, policyOf({ perMinute: 2, perDay: 100 })));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    const stored = await replicaA.get(`${wide}rl:{${keyId}}:k:${keyId}:m:${Math.floor(T0 / 60_000)}`);
    expect(stored).toBe('2');
    expect(await replicaA.ping()).toBe('PONG');
  });

  it('refuses anything but a key id, so a raw API key never reaches a key name', async () => {
    const limiter = createRedisRateLimiter({ redis: replicaA, prefix, clock });
    const rawKey = 'ak_3mJr7AoUXx2Wqd8YB4aQ9kC5tZ';
    await expect(limiter.check(rawKey, policyOf({ perMinute: 5, perDay: 5 }))).rejects.toThrow(RangeError);
    const leaked = await replicaA.scan('0', 'MATCH', `${prefix}*ak_*`, 'COUNT', 1000);
    expect(leaked[1]).toEqual([]);
  });

  it('rejects a prefix containing a hash tag brace', () => {
    expect(() => createRedisRateLimiter({ redis: replicaA, prefix: 'gw{x}:', clock })).toThrow(RangeError);
  });

  it('gives every key a TTL that ends shortly after its window', async () => {
    const limiter = createRedisRateLimiter({ redis: replicaA, prefix, clock });
    const keyId = randomUUID();
    await limiter.check(keyId, policyOf({ perMinute: 5, perDay: 5 }));
    const [dayKey, minuteKey] = await keysOf(keyId);
    const minuteTtl = await replicaA.pttl(minuteKey as string);
    const dayTtl = await replicaA.pttl(dayKey as string);
    // The bucket is read as "previous" until 12:02:00, plus 5 s of slack; the day ends at 24:00.
    expect(minuteTtl).toBeGreaterThan(115_000 - 2_000);
    expect(minuteTtl).toBeLessThanOrEqual(115_000);
    expect(dayTtl).toBeGreaterThan((12 * 3600 - 10 + 5) * 1000 - 2_000);
    expect(dayTtl).toBeLessThanOrEqual((12 * 3600 - 10 + 5) * 1000);
  });

  it('writes nothing for a rejected request', async () => {
    const limiter = createRedisRateLimiter({ redis: replicaA, prefix, clock });
    const keyId = randomUUID();
    expect((await limiter.check(keyId, policyOf({ perMinute: 0, perDay: 100 }))).allowed).toBe(false);
    expect(await keysOf(keyId)).toEqual([]);
  });

  it('runs one cached script per decision (EVALSHA)', async () => {
    const limiter = createRedisRateLimiter({ redis: replicaA, prefix, clock });
    await limiter.check(randomUUID(), policyOf({ perMinute: 5, perDay: 5 }));
    const sha = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');
    expect(await replicaA.script('EXISTS', sha)).toEqual([1]);
  });

  it('falls back to EVAL when Redis lost the script (restart, SCRIPT FLUSH)', async () => {
    let evals = 0;
    // A client whose EVALSHA answers NOSCRIPT, as after a Redis restart; EVAL goes through.
    const forgetful = new Proxy(replicaA, {
      get(target, name, receiver) {
        if (name === 'sendCommand') {
          return (command: Command) => {
            if (command.name === 'eval') evals++;
            if (command.name !== 'evalsha') return target.sendCommand(command);
            command.reject(new Error('NOSCRIPT No matching script.'));
            return command.promise;
          };
        }
        return Reflect.get(target, name, receiver);
      },
    });
    const limiter = createRedisRateLimiter({ redis: forgetful, prefix, clock });
    const keyId = randomUUID();
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.check(keyId, policyOf({ perMinute: 2, perDay: 100 })));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(evals).toBe(3);
  });
});
