import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { compilePolicy } from './policy.js';
import { createRedisRateLimiter } from './redis-limiter.js';
import type { Clock, LimitPolicy, RateLimiter, WindowSpec } from './types.js';
import { windowNamed } from './window-math.js';

// Plans: every window kind, owner windows, shadow windows and cost — on both limiters, with an
// injected clock.
const { prefix, cleanup } = createRedisPrefix();
let redis: Redis;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  await cleanup();
  await redis.quit();
});

const key = (unit: WindowSpec['unit'], limit: number, shadow = false): WindowSpec => ({
  unit,
  limit,
  scope: 'key',
  shadow,
});
const owner = (unit: WindowSpec['unit'], limit: number, shadow = false): WindowSpec => ({
  unit,
  limit,
  scope: 'owner',
  shadow,
});

function clockAt(start: number): { clock: Clock; set: (ms: number) => void } {
  let now = start;
  return {
    clock: () => now,
    set: (ms) => {
      now = ms;
    },
  };
}

async function passed(limiter: RateLimiter, keyId: string, policy: LimitPolicy, n: number, ownerId?: string, cost = 1) {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await limiter.check(keyId, policy, ownerId, cost)).allowed) allowed++;
  return allowed;
}

const implementations: [string, (clock: Clock) => RateLimiter][] = [
  ['memory', (clock) => createMemoryRateLimiter({ clock })],
  ['redis', (clock) => createRedisRateLimiter({ redis, prefix, clock })],
];

describe.each(implementations)('%s limiter with plans', (_backend, make) => {
  it('slides a per-second window', async () => {
    const t0 = Date.UTC(2030, 0, 15, 12, 0, 0);
    const time = clockAt(t0);
    const limiter = make(time.clock);
    const policy = compilePolicy([key('second', 5)]);
    const keyId = randomUUID();
    expect(await passed(limiter, keyId, policy, 8)).toBe(5);
    time.set(t0 + 1_000); // the last second still weighs fully
    expect(await passed(limiter, keyId, policy, 3)).toBe(0);
    time.set(t0 + 1_500); // 5 × 0.5 = 2.5: two more fit
    expect(await passed(limiter, keyId, policy, 3)).toBe(2);
  });

  it('slides a per-hour window', async () => {
    const t0 = Date.UTC(2030, 0, 15, 12, 0, 0);
    const time = clockAt(t0 + 30 * 60_000);
    const limiter = make(time.clock);
    const policy = compilePolicy([key('hour', 4)]);
    const keyId = randomUUID();
    expect(await passed(limiter, keyId, policy, 6)).toBe(4);
    time.set(t0 + 3_600_000 + 15 * 60_000); // 4 × 0.75 = 3 of the last hour still count
    expect(await passed(limiter, keyId, policy, 3)).toBe(1);
  });

  it('resets a day quota at local midnight in the plan’s time zone, with Retry-After to it', async () => {
    // Berlin in January is UTC+1: local midnight of the 16th is 2030-01-15T23:00Z.
    const time = clockAt(Date.UTC(2030, 0, 15, 22, 30));
    const limiter = make(time.clock);
    const policy = compilePolicy([key('day', 2)], 'Europe/Berlin');
    const keyId = randomUUID();
    expect(await passed(limiter, keyId, policy, 2)).toBe(2);
    const refused = await limiter.check(keyId, policy);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1_800);
    expect(refused.refusedBy?.name).toBe('day');
    time.set(Date.UTC(2030, 0, 15, 22, 59, 59, 999));
    expect(await passed(limiter, keyId, policy, 1)).toBe(0);
    time.set(Date.UTC(2030, 0, 15, 23, 0));
    expect(await passed(limiter, keyId, policy, 3)).toBe(2);
  });

  it('keeps one day quota for all 25 hours of the day Berlin falls back', async () => {
    const time = clockAt(Date.UTC(2030, 9, 26, 22, 30)); // 00:30 CEST on Oct 27
    const limiter = make(time.clock);
    const policy = compilePolicy([key('day', 3)], 'Europe/Berlin');
    const keyId = randomUUID();
    expect(await passed(limiter, keyId, policy, 3)).toBe(3);
    time.set(Date.UTC(2030, 9, 27, 22, 30)); // 24 h later: 23:30 CET, still Oct 27
    const refused = await limiter.check(keyId, policy);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1_800);
    time.set(Date.UTC(2030, 9, 27, 23, 0)); // 00:00 CET on Oct 28
    expect(await passed(limiter, keyId, policy, 1)).toBe(1);
  });

  it('gives the day Berlin springs forward only 23 hours', async () => {
    const time = clockAt(Date.UTC(2030, 2, 30, 23, 0)); // 00:00 CET on Mar 31
    const limiter = make(time.clock);
    const policy = compilePolicy([key('day', 1)], 'Europe/Berlin');
    const keyId = randomUUID();
    const first = await limiter.check(keyId, policy);
    expect(first.allowed).toBe(true);
    expect(windowNamed(first, 'day')?.resetSeconds).toBe(23 * 3600);
    time.set(Date.UTC(2030, 2, 31, 22, 0)); // 00:00 CEST on Apr 1
    expect(await passed(limiter, keyId, policy, 1)).toBe(1);
  });

  it('resets a month quota on the 1st, counting Feb 29 in a leap year', async () => {
    const time = clockAt(Date.UTC(2028, 1, 29, 12));
    const limiter = make(time.clock);
    const policy = compilePolicy([key('month', 3)]);
    const keyId = randomUUID();
    expect(await passed(limiter, keyId, policy, 3)).toBe(3);
    const refused = await limiter.check(keyId, policy);
    expect(refused.retryAfterSeconds).toBe(12 * 3600);
    expect(refused.refusedBy?.name).toBe('month');
    time.set(Date.UTC(2028, 1, 29, 23, 59, 59, 999));
    expect(await passed(limiter, keyId, policy, 1)).toBe(0);
    time.set(Date.UTC(2028, 2, 1));
    expect(await passed(limiter, keyId, policy, 4)).toBe(3);
  });

  it('resets a month quota at the end of a 31-day month in the plan’s zone', async () => {
    const time = clockAt(Date.UTC(2030, 6, 31, 21, 59)); // 23:59 CEST, July 31
    const limiter = make(time.clock);
    const policy = compilePolicy([owner('month', 1)], 'Europe/Berlin');
    const ownerId = randomUUID();
    expect(await passed(limiter, randomUUID(), policy, 2, ownerId)).toBe(1);
    time.set(Date.UTC(2030, 6, 31, 22, 0)); // August 1, 00:00 local
    expect(await passed(limiter, randomUUID(), policy, 2, ownerId)).toBe(1);
  });

  it('shares owner windows between all keys of one owner, and only theirs', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    const policy = compilePolicy([key('minute', 100), owner('minute', 5)]);
    const ownerId = randomUUID();
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    let allowed = 0;
    for (let i = 0; i < 12; i++) if ((await limiter.check(keys[i % 3]!, policy, ownerId)).allowed) allowed++;
    expect(allowed).toBe(5);
    expect(await passed(limiter, randomUUID(), policy, 5, randomUUID())).toBe(5); // another owner
  });

  it('keeps key windows per key under an owner window', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    const policy = compilePolicy([key('minute', 2), owner('day', 10)]);
    const ownerId = randomUUID();
    expect(await passed(limiter, randomUUID(), policy, 3, ownerId)).toBe(2);
    const b = randomUUID();
    expect(await passed(limiter, b, policy, 3, ownerId)).toBe(2);
    const last = await limiter.check(randomUUID(), policy, ownerId);
    expect(windowNamed(last, 'owner-day')?.remaining).toBe(5);
  });

  it('counts a request refused by any window in none of them', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    const policy = compilePolicy([key('minute', 10), key('hour', 50, true), owner('day', 3)]);
    const ownerId = randomUUID();
    expect(await passed(limiter, randomUUID(), policy, 3, ownerId)).toBe(3);
    const b = randomUUID();
    const refused = await limiter.check(b, policy, ownerId);
    expect(refused.allowed).toBe(false);
    expect(refused.refusedBy?.name).toBe('owner-day');
    // Neither b's minute nor its shadow hour counted the refused request.
    expect(windowNamed(refused, 'minute')?.remaining).toBe(10);
    expect(windowNamed(refused, 'hour')?.remaining).toBe(50);
    const other = compilePolicy([key('minute', 10), key('hour', 50, true)]);
    const next = await limiter.check(b, other, ownerId);
    expect(windowNamed(next, 'minute')?.remaining).toBe(9);
    expect(windowNamed(next, 'hour')?.remaining).toBe(49);
  });

  it('counts `cost` units per request and refuses what does not fit whole', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    const policy = compilePolicy([key('day', 10), key('minute', 100)]);
    const keyId = randomUUID();
    expect(await passed(limiter, keyId, policy, 3, undefined, 4)).toBe(2); // 4 + 4; 12 > 10
    const refused = await limiter.check(keyId, policy, undefined, 3);
    expect(refused.allowed).toBe(false);
    expect(windowNamed(refused, 'day')?.remaining).toBe(2); // refused with units left: they are fewer than 3
    const fits = await limiter.check(keyId, policy, undefined, 2);
    expect(fits.allowed).toBe(true);
    expect(windowNamed(fits, 'day')?.remaining).toBe(0);
    expect(windowNamed(fits, 'minute')?.remaining).toBe(90);
  });

  it('never refuses for a shadow window, but counts and reports it', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    const policy = compilePolicy([key('minute', 2, true), key('day', 100), owner('hour', 1, true)]);
    const ownerId = randomUUID();
    const keyId = randomUUID();
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await limiter.check(keyId, policy, ownerId));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(decisions.map((d) => d.shadowRefusals.map((w) => w.name))).toEqual([
      [],
      ['owner-hour'],
      ['minute', 'owner-hour'],
      ['minute', 'owner-hour'],
      ['minute', 'owner-hour'],
    ]);
    const last = decisions[4]!;
    expect(windowNamed(last, 'minute')?.remaining).toBe(0);
    expect(windowNamed(last, 'day')?.remaining).toBe(95);
  });

  it('admits everything, without a round trip, for a policy without windows', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    const decision = await limiter.check(randomUUID(), compilePolicy([]));
    expect(decision).toMatchObject({ allowed: true, windows: [], refusedBy: null, retryAfterSeconds: 0 });
  });

  it('needs the owner for a policy with owner windows', async () => {
    const limiter = make(clockAt(Date.UTC(2030, 0, 15, 12)).clock);
    await expect(limiter.check(randomUUID(), compilePolicy([owner('day', 5)]))).rejects.toThrow(RangeError);
    await expect(limiter.check(randomUUID(), compilePolicy([owner('day', 5)]), 'ak_x')).rejects.toThrow(RangeError);
  });
});

describe('createRedisRateLimiter with owner windows', () => {
  it('puts every counter of one owner — its keys’ included — under the owner’s hash tag', async () => {
    const now = Date.UTC(2030, 0, 15, 12, 0, 10);
    const limiter = createRedisRateLimiter({ redis, prefix, clock: () => now });
    const policy = compilePolicy([key('second', 5), key('day', 5), owner('minute', 10), owner('month', 10)]);
    const ownerId = randomUUID();
    const keyId = randomUUID();
    await limiter.check(keyId, policy, ownerId);
    const found: string[] = [];
    for await (const keys of redis.scanStream({ match: `${prefix}rl:{${ownerId}}:*`, count: 500 })) {
      found.push(...(keys as string[]));
    }
    expect(found.sort()).toEqual(
      [
        `${prefix}rl:{${ownerId}}:k:${keyId}:s:${Math.floor(now / 1000)}`,
        `${prefix}rl:{${ownerId}}:k:${keyId}:d:20300115`,
        `${prefix}rl:{${ownerId}}:o:m:${Math.floor(now / 60_000)}`,
        `${prefix}rl:{${ownerId}}:o:mo:203001`,
      ].sort(),
    );
  });
});
