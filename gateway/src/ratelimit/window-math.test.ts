import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyOf } from '../../test/support/limits.js';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { compilePolicy, WINDOW_UNITS } from './policy.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import { MINUTE_MS, minuteFits, msUntilMinuteFits } from './window-math.js';

const { prefix, cleanup } = createRedisPrefix();
let redis: Redis;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  await cleanup();
  await redis.quit();
});

/** Does a request fit `wait` ms from now, with no traffic in between? */
function fitsAfter(previous: number, current: number, limit: number, elapsed: number, wait: number): boolean {
  const at = elapsed + wait;
  if (at < MINUTE_MS) return minuteFits(previous, current, limit, at);
  if (at < 2 * MINUTE_MS) return minuteFits(current, 0, limit, at - MINUTE_MS);
  return minuteFits(0, 0, limit, 0);
}

describe('msUntilMinuteFits', () => {
  it('is the exact first millisecond at which a request fits again', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: MINUTE_MS - 1 }),
        (limit, previous, current, elapsed) => {
          const wait = msUntilMinuteFits(previous, current, limit, elapsed);
          expect(fitsAfter(previous, current, limit, elapsed, wait)).toBe(true);
          if (wait > 0) expect(fitsAfter(previous, current, limit, elapsed, wait - 1)).toBe(false);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('memory and Redis limiters', () => {
  it('make identical decisions for any sequence of requests and clock steps', async () => {
    const step = fc.oneof(
      fc.record({ advanceMs: fc.integer({ min: 0, max: 45_000 }), burst: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ advanceMs: fc.integer({ min: 3_600_000, max: 90_000_000 }), burst: fc.constant(1) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (perMinute, perDay, offset, steps) => {
          let now = Date.UTC(2030, 0, 1) + offset;
          const clock = () => now;
          const memory = createMemoryRateLimiter({ clock });
          const shared = createRedisRateLimiter({ redis, prefix, clock });
          const keyId = randomUUID();
          for (const { advanceMs, burst } of steps) {
            now += advanceMs;
            for (let i = 0; i < burst; i++) {
              const fromRedis = await shared.check(keyId, policyOf({ perMinute, perDay }));
              const fromMemory = await memory.check(keyId, policyOf({ perMinute, perDay }));
              expect({ ...fromRedis, backend: 'memory' }).toEqual(fromMemory);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('make identical decisions for any plan: windows of every kind and scope, shadow, cost, time zones', async () => {
    const window = fc.record({
      unit: fc.constantFrom(...WINDOW_UNITS),
      limit: fc.integer({ min: 0, max: 12 }),
      scope: fc.constantFrom('key' as const, 'owner' as const),
      shadow: fc.boolean(),
    });
    const windows = fc.uniqueArray(window, { minLength: 1, maxLength: 6, selector: (w) => `${w.scope}:${w.unit}` });
    const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe');
    const step = fc.oneof(
      fc.record({ advanceMs: fc.integer({ min: 0, max: 2_000 }), burst: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ advanceMs: fc.integer({ min: 0, max: 45_000 }), burst: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ advanceMs: fc.integer({ min: 3_600_000, max: 40 * 86_400_000 }), burst: fc.constant(1) }),
    );
    await fc.assert(
      fc.asyncProperty(
        windows,
        zone,
        // Any start in 2028–2031: leap days, month ends and DST changes come up.
        fc.integer({ min: Date.UTC(2028, 0, 1), max: Date.UTC(2031, 0, 1) }),
        fc.array(fc.tuple(step, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 20 }),
        async (specs, timeZone, start, steps) => {
          const policy = compilePolicy(specs, timeZone);
          let now = start;
          const clock = () => now;
          const memory = createMemoryRateLimiter({ clock });
          const shared = createRedisRateLimiter({ redis, prefix, clock });
          const ownerId = randomUUID();
          const keys = [randomUUID(), randomUUID()];
          let n = 0;
          for (const [{ advanceMs, burst }, cost] of steps) {
            now += advanceMs;
            for (let i = 0; i < burst; i++) {
              const keyId = keys[n++ % 2]!;
              const fromRedis = await shared.check(keyId, policy, ownerId, cost);
              const fromMemory = await memory.check(keyId, policy, ownerId, cost);
              expect({ ...fromRedis, backend: 'memory' }).toEqual(fromMemory);
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
