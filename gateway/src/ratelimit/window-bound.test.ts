import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyOf } from '../../test/support/limits.js';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import type { Clock, RateLimiter } from './types.js';
import { DAY_MS, MINUTE_MS } from './window-math.js';

// The guarantee the README states ("Rate limits: what is guaranteed"), checked on both limiters with a
// fake clock. A sliding window counter is not a sliding log: for a per-minute limit L it admits at
// most L + L·d/60 s in any span of d ≤ 60 s, hence at most 2L − 1 in any 60 s (the 50 + 49 in
// 59.6 s) — never the 2L in a few milliseconds a fixed window allows. The per-day quota is a calendar
// UTC day: up to 2D can pass across 00:00 UTC, never more in any 24 hours.

/** Allowed requests in [from, from + span) among sorted timestamps. */
function inSpan(allowed: number[], from: number, span: number): number {
  let n = 0;
  for (const t of allowed) if (t >= from && t < from + span) n++;
  return n;
}

/** Most allowed requests in any span of this length (the busiest span starts at an allowed request). */
function busiest(allowed: number[], span: number): number {
  return Math.max(0, ...allowed.map((t) => inSpan(allowed, t, span)));
}

describe.each(['memory', 'redis'] as const)('the rate limit windows’ real bound (%s)', (backend) => {
  let redis: Redis | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let prefix = '';

  beforeAll(() => {
    if (backend !== 'redis') return;
    redis = new Redis(TEST_REDIS_URL);
    ({ prefix, cleanup } = createRedisPrefix());
  });
  afterAll(async () => {
    await cleanup?.();
    await redis?.quit();
  });

  const limiter = (clock: Clock): RateLimiter =>
    backend === 'memory'
      ? createMemoryRateLimiter({ clock })
      : createRedisRateLimiter({ redis: redis!, prefix, clock });

  /** Sends `count` requests at `at` and returns how many were allowed. */
  async function burst(l: RateLimiter, keyId: string, count: number, limits: { perMinute: number; perDay: number }) {
    let allowed = 0;
    for (let i = 0; i < count; i++) if ((await l.check(keyId, policyOf(limits))).allowed) allowed++;
    return allowed;
  }

  it('admits 50 at :59.3 and 49 at :58.9 of the next minute with 50/min: 2L − 1 in 59.6 s, never 2L', async () => {
    const minute = Date.UTC(2030, 0, 1, 12, 0);
    let now = minute + 59_300;
    const l = limiter(() => now);
    const keyId = randomUUID();
    const limits = { perMinute: 50, perDay: 1_000_000 };
    expect(await burst(l, keyId, 60, limits)).toBe(50);
    now = minute + MINUTE_MS + 58_900;
    expect(await burst(l, keyId, 60, limits)).toBe(49);
    // A fixed window would have admitted the 50 again right at :00.0; here the previous minute still weighs.
    now = minute + MINUTE_MS;
    expect(await burst(l, randomUUID(), 1, limits)).toBe(1);
  });

  it('never admits more than L + L·d/60 s in any d-second span, nor more than 2D in any 24 hours', async () => {
    const step = fc.oneof(
      // Requests close together, often straddling a minute edge.
      fc.record({ advanceMs: fc.integer({ min: 0, max: 3_000 }), count: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ advanceMs: fc.integer({ min: 3_000, max: 70_000 }), count: fc.integer({ min: 1, max: 12 }) }),
      // Hours apart, so day edges are crossed too.
      fc.record({ advanceMs: fc.integer({ min: 3_600_000, max: 30_000_000 }), count: fc.integer({ min: 1, max: 12 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        async (perMinute, perDay, offset, steps) => {
          let now = Date.UTC(2030, 0, 1) + offset;
          const l = limiter(() => now);
          const keyId = randomUUID();
          const allowed: number[] = [];
          for (const { advanceMs, count } of steps) {
            now += advanceMs;
            for (let i = 0; i < count; i++)
              if ((await l.check(keyId, policyOf({ perMinute, perDay }))).allowed) allowed.push(now);
          }
          for (const seconds of [1, 5, 20, 45, 59]) {
            const bound = perMinute + Math.floor((perMinute * seconds) / 60);
            expect(busiest(allowed, seconds * 1000), `${seconds} s, L=${perMinute}`).toBeLessThanOrEqual(bound);
          }
          expect(busiest(allowed, MINUTE_MS)).toBeLessThanOrEqual(2 * perMinute - 1);
          expect(busiest(allowed, DAY_MS)).toBeLessThanOrEqual(2 * perDay);
        },
      ),
      { numRuns: backend === 'memory' ? 400 : 60 },
    );
  });

  it('lets a whole day quota through on each side of 00:00 UTC (2D within a second), then nothing for 24 h', async () => {
    const midnight = Date.UTC(2030, 0, 2);
    let now = midnight - 500;
    const l = limiter(() => now);
    const keyId = randomUUID();
    const limits = { perMinute: 1_000, perDay: 5 };
    expect(await burst(l, keyId, 8, limits)).toBe(5);
    now = midnight + 400;
    expect(await burst(l, keyId, 8, limits)).toBe(5);
    now = midnight + DAY_MS - 1;
    expect(await burst(l, keyId, 1, limits)).toBe(0);
  });
});
