import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { policyOf } from '../../test/support/limits.js';
import { createMetrics } from '../metrics.js';
import { withDecisionMetrics } from './decision-metrics.js';
import { createMemoryRateLimiter } from './memory-limiter.js';

const T0 = Date.UTC(2030, 0, 15, 12, 0, 0);
const limits = { perMinute: 10, perDay: 100 };

describe('createMemoryRateLimiter', () => {
  // Each key holds two counters here: its current minute bucket and its day.
  it('forgets keys whose windows are over', async () => {
    let now = T0;
    const limiter = createMemoryRateLimiter({ clock: () => now });
    for (let i = 0; i < 1_000; i++) await limiter.check(randomUUID(), policyOf(limits));
    expect(limiter.size).toBe(2_000);

    now = T0 + 86_400_000 + 120_000; // next day, two minutes on: nothing of those keys counts any more
    const active = randomUUID();
    for (let i = 0; i < 300; i++) await limiter.check(active, policyOf({ perMinute: 1_000, perDay: 1_000 }));
    expect(limiter.size).toBe(2);
  });

  it('keeps keys whose day quota is still in use', async () => {
    let now = T0;
    const limiter = createMemoryRateLimiter({ clock: () => now });
    for (let i = 0; i < 100; i++) await limiter.check(randomUUID(), policyOf(limits));
    now = T0 + 3_600_000;
    const active = randomUUID();
    for (let i = 0; i < 300; i++) await limiter.check(active, policyOf({ perMinute: 1_000, perDay: 1_000 }));
    expect(limiter.size).toBe(102); // 100 days still counting, the active key's minute and day
  });

  it('drops keys that never consumed anything', async () => {
    let now = T0;
    const limiter = createMemoryRateLimiter({ clock: () => now });
    for (let i = 0; i < 100; i++) await limiter.check(randomUUID(), policyOf({ perMinute: 0, perDay: 0 }));
    now += 1_000;
    expect(limiter.size).toBe(0);
    for (let i = 0; i < 100; i++) await limiter.check(randomUUID(), policyOf(limits));
    expect(limiter.size).toBe(200);
  });

  it('counts decisions when wrapped with metrics', async () => {
    const metrics = createMetrics();
    const limiter = withDecisionMetrics(createMemoryRateLimiter({ clock: () => T0 }), metrics);
    const keyId = randomUUID();
    for (let i = 0; i < 12; i++) await limiter.check(keyId, policyOf(limits));
    const { values } = await metrics.rateLimitDecisions.get();
    const count = (result: string) =>
      values.find((v) => v.labels.result === result && v.labels.backend === 'memory')?.value;
    expect(count('allowed')).toBe(10);
    expect(count('denied')).toBe(2);
  });
});
