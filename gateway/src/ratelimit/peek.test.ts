import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { compilePolicy } from './policy.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import type { RateLimiter } from './types.js';

const { prefix, cleanup } = createRedisPrefix();
const T0 = Date.UTC(2030, 4, 20, 12, 0, 30);
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  await cleanup();
  await redis.quit();
});

// A key minute (sliding), an owner day (calendar, Berlin) and a shadow hour: every kind of counter.
const policy = compilePolicy(
  [
    { unit: 'minute', limit: 10, scope: 'key', shadow: false },
    { unit: 'day', limit: 100, scope: 'owner', shadow: false },
    { unit: 'hour', limit: 5, scope: 'key', shadow: true },
  ],
  'Europe/Berlin',
);

describe.each([
  ['memory', () => createMemoryRateLimiter({ clock: () => T0 })],
  ['redis', () => createRedisRateLimiter({ redis, prefix, clock: () => T0 })],
] as const)('peek (%s)', (_name, make) => {
  it('reports what a request now would see, and counts nothing', async () => {
    const limiter: RateLimiter = make();
    const keyId = randomUUID();
    const owner = randomUUID();
    const fresh = await limiter.peek(keyId, policy, owner);
    expect(fresh.windows.map((w) => [w.name, w.remaining])).toEqual([
      ['minute', 10],
      ['hour', 5],
      ['owner-day', 100],
    ]);
    let last = fresh;
    for (let i = 0; i < 3; i++) last = await limiter.check(keyId, policy, owner, 2);
    const seen = await limiter.peek(keyId, policy, owner);
    expect(seen.windows.map((w) => w.remaining)).toEqual(last.windows.map((w) => w.remaining));
    expect(seen.windows.map((w) => w.remaining)).toEqual([4, 0, 94]);
    // Peeking again changes nothing; the next request still sees the same counters.
    expect((await limiter.peek(keyId, policy, owner)).windows.map((w) => w.remaining)).toEqual([4, 0, 94]);
    expect((await limiter.check(keyId, policy, owner, 4)).windows.map((w) => w.remaining)).toEqual([0, 0, 90]);
    // The owner's day is shared: another key of the owner sees it.
    const other = await limiter.peek(randomUUID(), policy, owner);
    expect(other.windows.map((w) => w.remaining)).toEqual([10, 5, 90]);
  });
});
