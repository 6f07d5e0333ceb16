import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf, minuteOf, policyOf } from '../../test/support/limits.js';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import type { Clock, RateLimiter, RateLimits } from './types.js';

// The same behaviours, checked against both implementations with an injected clock.
const { prefix, cleanup } = createRedisPrefix();
const T0 = Date.UTC(2030, 0, 15, 12, 0, 0); // 12:00:00.000 UTC, the start of a minute bucket
let redis: Redis;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  await cleanup();
  await redis.quit();
});

function fakeClock(start: number): { clock: Clock; advance: (ms: number) => void } {
  let now = start;
  return {
    clock: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

async function burst(limiter: RateLimiter, keyId: string, limits: RateLimits, n: number) {
  const decisions = await Promise.all(Array.from({ length: n }, () => limiter.check(keyId, policyOf(limits))));
  return { decisions, allowed: decisions.filter((d) => d.allowed).length };
}

const implementations: [string, (clock: Clock) => RateLimiter][] = [
  ['memory', (clock) => createMemoryRateLimiter({ clock })],
  ['redis', (clock) => createRedisRateLimiter({ redis, prefix, clock })],
];

describe.each(implementations)('%s limiter', (backend, make) => {
  it('admits exactly the per-minute limit out of 200 concurrent checks', async () => {
    const limiter = make(fakeClock(T0 + 5_000).clock);
    const { decisions, allowed } = await burst(limiter, randomUUID(), { perMinute: 50, perDay: 10_000 }, 200);
    expect(allowed).toBe(50);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(150);
    expect(decisions.every((d) => d.backend === backend)).toBe(true);
  });

  it('admits exactly the day quota out of 200 concurrent checks', async () => {
    const limiter = make(fakeClock(T0 + 5_000).clock);
    const { allowed } = await burst(limiter, randomUUID(), { perMinute: 1_000, perDay: 50 }, 200);
    expect(allowed).toBe(50);
  });

  it('does not count a request denied by the day quota in the minute window', async () => {
    const limiter = make(fakeClock(T0).clock);
    const keyId = randomUUID();
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push((await limiter.check(keyId, policyOf({ perMinute: 10, perDay: 3 }))).allowed);
    expect(results).toEqual([true, true, true, false, false]);
    const next = await limiter.check(keyId, policyOf({ perMinute: 10, perDay: 100 }));
    expect(next.allowed).toBe(true);
    expect(minuteOf(next).remaining).toBe(6); // 10 − (3 earlier + this one)
    expect(dayOf(next).remaining).toBe(96);
  });

  it('does not count a request denied by the minute window in the day quota', async () => {
    const time = fakeClock(T0);
    const limiter = make(time.clock);
    const keyId = randomUUID();
    const limits = { perMinute: 2, perDay: 100 };
    const { decisions } = await burst(limiter, keyId, limits, 5);
    expect(decisions.map((d) => d.allowed).sort()).toEqual([false, false, false, true, true]);
    for (const d of decisions.filter((x) => !x.allowed)) expect(dayOf(d).remaining).toBe(98);
    time.advance(120_000);
    expect(dayOf(await limiter.check(keyId, policyOf(limits))).remaining).toBe(97);
  });

  it('reports remaining and reset for both windows', async () => {
    const limiter = make(fakeClock(T0 + 15_000).clock);
    const d = await limiter.check(randomUUID(), policyOf({ perMinute: 10, perDay: 100 }));
    const window = { scope: 'key', shadow: false };
    expect(d).toEqual({
      allowed: true,
      policy: policyOf({ perMinute: 10, perDay: 100 }),
      windows: [
        { ...window, name: 'minute', unit: 'minute', limit: 10, remaining: 9, resetSeconds: 45 },
        { ...window, name: 'day', unit: 'day', limit: 100, remaining: 99, resetSeconds: 12 * 3600 - 15 },
      ],
      refusedBy: null,
      shadowRefusals: [],
      retryAfterSeconds: 0,
      backend,
    });
  });

  it('does not allow a double burst at the minute edge', async () => {
    const time = fakeClock(T0 + 59_000);
    const limiter = make(time.clock);
    const keyId = randomUUID();
    const limits = { perMinute: 60, perDay: 10_000 };
    expect((await burst(limiter, keyId, limits, 60)).allowed).toBe(60);
    time.advance(1_000); // first instant of the next bucket: the previous one still weighs 100 %
    const d = await limiter.check(keyId, policyOf(limits));
    expect(d.allowed).toBe(false);
    expect(minuteOf(d).remaining).toBe(0);
  });

  it('slides: 60 used last minute, 30 s into this one the estimate is 30, so 30 more pass', async () => {
    const time = fakeClock(T0);
    const limiter = make(time.clock);
    const keyId = randomUUID();
    const limits = { perMinute: 60, perDay: 10_000 };
    expect((await burst(limiter, keyId, limits, 61)).allowed).toBe(60);
    time.advance(90_000);
    const { decisions, allowed } = await burst(limiter, keyId, limits, 31);
    expect(allowed).toBe(30);
    const denied = decisions.find((d) => !d.allowed);
    // estimate = 60 × 0.5 + 30; it drops by one request per second of elapsed time.
    expect(denied?.retryAfterSeconds).toBe(1);
    time.advance(999);
    expect((await limiter.check(keyId, policyOf(limits))).allowed).toBe(false);
    time.advance(1);
    expect((await limiter.check(keyId, policyOf(limits))).allowed).toBe(true);
  });

  it('computes Retry-After for a full minute from the sliding estimate, not a flat 60', async () => {
    const time = fakeClock(T0);
    const limiter = make(time.clock);
    const keyId = randomUUID();
    const limits = { perMinute: 10, perDay: 1_000 };
    await burst(limiter, keyId, limits, 10);
    const denied = await limiter.check(keyId, policyOf(limits));
    // In the next bucket 10 × (1 − t/60 s) + 1 ≤ 10 once t ≥ 6 s: 60 + 6 = 66 s from now.
    expect(denied.retryAfterSeconds).toBe(66);
    expect(minuteOf(denied).resetSeconds).toBe(66);
    time.advance(65_000);
    expect((await limiter.check(keyId, policyOf(limits))).allowed).toBe(false);
    time.advance(1_000);
    expect((await limiter.check(keyId, policyOf(limits))).allowed).toBe(true);
  });

  it('resets the day quota at 00:00 UTC', async () => {
    const time = fakeClock(Date.UTC(2030, 0, 15, 23, 59, 59, 500));
    const limiter = make(time.clock);
    const keyId = randomUUID();
    const limits = { perMinute: 100, perDay: 3 };
    expect((await burst(limiter, keyId, limits, 3)).allowed).toBe(3);
    const denied = await limiter.check(keyId, policyOf(limits));
    expect(denied).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(dayOf(denied)).toMatchObject({ remaining: 0, resetSeconds: 1 });
    time.advance(500);
    const fresh = await limiter.check(keyId, policyOf(limits));
    expect(fresh.allowed).toBe(true);
    expect(dayOf(fresh)).toMatchObject({ remaining: 2, resetSeconds: 86_400 });
  });

  it('uses the longer wait when both windows deny', async () => {
    const limiter = make(fakeClock(T0 + 10_000).clock);
    const keyId = randomUUID();
    const limits = { perMinute: 2, perDay: 2 };
    await burst(limiter, keyId, limits, 2);
    const denied = await limiter.check(keyId, policyOf(limits));
    expect(minuteOf(denied).remaining).toBe(0);
    expect(denied.retryAfterSeconds).toBe(12 * 3600 - 10);
  });

  it('rejects limits that are not non-negative integers, and costs below 1', async () => {
    const limiter = make(fakeClock(T0).clock);
    expect(() => policyOf({ perMinute: -1, perDay: 10 })).toThrow(RangeError);
    expect(() => policyOf({ perMinute: 1.5, perDay: 10 })).toThrow(RangeError);
    const policy = policyOf({ perMinute: 5, perDay: 10 });
    for (const cost of [0, -1, 1.5, Number.NaN]) {
      await expect(limiter.check(randomUUID(), policy, undefined, cost)).rejects.toThrow(RangeError);
    }
  });
});
