import type { Clock, RateLimitDecision, RateLimiter, RateLimits } from './types.js';
import { assertLimits, buildDecision, MINUTE_MS, minuteBucket, minuteFits, utcDay } from './window-math.js';

interface Counters {
  bucket: number;
  previous: number;
  current: number;
  day: number;
  dayCount: number;
}

/** Entries looked at per `check` by the incremental sweep: O(1) per request, yet it keeps pace with inserts. */
const SWEEP_STEP = 4;

export interface MemoryRateLimiterOptions {
  clock?: Clock;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** Keys currently tracked (for tests and diagnostics). */
  readonly size: number;
}

/**
 * In-process limiter with the same semantics as the Redis one. Used when REDIS_URL is unset and as
 * the per-replica fallback while Redis is unreachable. `check` runs synchronously inside, so it is
 * atomic within the process without locks.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, Counters>();
  let sweeper = entries.entries();

  function roll(entry: Counters, bucket: number, day: number): void {
    if (entry.bucket !== bucket) {
      entry.previous = entry.bucket === bucket - 1 ? entry.current : 0;
      entry.current = 0;
      entry.bucket = bucket;
    }
    if (entry.day !== day) {
      entry.day = day;
      entry.dayCount = 0;
    }
  }

  // An entry is dead once nothing it counts can still weigh: no minute counts in the sliding
  // minute and no quota used today.
  function isDead(entry: Counters, bucket: number, day: number): boolean {
    const dayDone = entry.day !== day || entry.dayCount === 0;
    if (!dayDone) return false;
    if (entry.bucket < bucket - 1) return true;
    if (entry.bucket === bucket - 1) return entry.current === 0;
    return entry.current === 0 && entry.previous === 0;
  }

  function sweep(bucket: number, day: number): void {
    for (let i = 0; i < SWEEP_STEP; i++) {
      const next = sweeper.next();
      if (next.done) {
        sweeper = entries.entries(); // start the next lap on the next call
        return;
      }
      const [keyId, entry] = next.value;
      if (isDead(entry, bucket, day)) entries.delete(keyId);
    }
  }

  function decide(keyId: string, limits: RateLimits): RateLimitDecision {
    assertLimits(limits);
    const now = Math.floor(clock());
    const bucket = minuteBucket(now);
    const day = utcDay(now);
    sweep(bucket, day);

    let entry = entries.get(keyId);
    if (entry === undefined) {
      entry = { bucket, previous: 0, current: 0, day, dayCount: 0 };
      entries.set(keyId, entry);
    } else {
      roll(entry, bucket, day);
    }

    const elapsedMs = now - bucket * MINUTE_MS;
    const allowed =
      entry.dayCount + 1 <= limits.perDay && minuteFits(entry.previous, entry.current, limits.perMinute, elapsedMs);
    if (allowed) {
      entry.current++;
      entry.dayCount++;
    }
    return buildDecision(allowed, entry.previous, entry.current, entry.dayCount, limits, now, 'memory');
  }

  return {
    get size() {
      return entries.size;
    },
    check(keyId, limits) {
      try {
        return Promise.resolve(decide(keyId, limits));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    async close() {
      entries.clear();
    },
  };
}
