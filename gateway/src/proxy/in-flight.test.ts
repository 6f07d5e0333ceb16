import { describe, expect, it } from 'vitest';
import { InFlightLimiter } from './in-flight.js';

describe('InFlightLimiter', () => {
  it('admits up to max requests per key, each key on its own', () => {
    const limiter = new InFlightLimiter(2);
    expect(limiter.tryAcquire('a')).not.toBeNull();
    expect(limiter.tryAcquire('a')).not.toBeNull();
    expect(limiter.tryAcquire('a')).toBeNull();
    expect(limiter.tryAcquire('b')).not.toBeNull();
    expect(limiter.total()).toBe(3);
  });

  it('frees a slot on release', () => {
    const limiter = new InFlightLimiter(1);
    const slot = limiter.tryAcquire('a')!;
    expect(limiter.tryAcquire('a')).toBeNull();
    limiter.release(slot);
    expect(limiter.total()).toBe(0);
    expect(limiter.tryAcquire('a')).not.toBeNull();
  });

  it('forgets idle keys when the map grows, never a key with requests in progress', () => {
    const limiter = new InFlightLimiter(1);
    const held = limiter.tryAcquire('held')!;
    for (let i = 0; i < 25_000; i++) limiter.release(limiter.tryAcquire(`k${i}`)!);
    expect(limiter.tryAcquire('held')).toBeNull();
    limiter.release(held);
    expect(limiter.tryAcquire('held')).not.toBeNull();
    expect((limiter as unknown as { counters: Map<string, unknown> }).counters.size).toBeLessThan(20_001);
  });
});
