import { assertKeyId, assertOwner, WindowKeyNames } from './redis-keys.js';
import type { Clock, LimitPolicy, RateLimitDecision, RateLimiter } from './types.js';
import { admits, assertCost, frameOf, settle } from './window-math.js';

/** One counter, as Redis would hold it: a count and when it expires. */
interface Counter {
  count: number;
  expiresAt: number;
}

/**
 * Counters looked at per `check` by the incremental sweep: O(1) per request, yet it keeps pace with
 * inserts (a request creates at most one counter per window, and policies have few windows).
 */
const SWEEP_STEP = 8;

export interface MemoryRateLimiterOptions {
  clock?: Clock;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** Counters currently held (for tests and diagnostics). */
  readonly size: number;
}

/**
 * In-process limiter with the same semantics as the Redis one: the same counter names, the same
 * expiry, the same decision (`admits`) as the Lua script. Used when REDIS_URL is unset and as the
 * per-replica fallback while Redis is unreachable. `check` runs synchronously inside, so it is
 * atomic within the process without locks.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const clock = options.clock ?? Date.now;
  const counters = new Map<string, Counter>();
  const keyNames = new WindowKeyNames('');
  let sweeper = counters.entries();

  function sweep(now: number): void {
    for (let i = 0; i < SWEEP_STEP; i++) {
      const next = sweeper.next();
      if (next.done) {
        sweeper = counters.entries(); // start the next lap on the next call
        return;
      }
      const [name, counter] = next.value;
      if (counter.expiresAt <= now) counters.delete(name);
    }
  }

  function decide(
    keyId: string,
    policy: LimitPolicy,
    ownerId: string | undefined,
    cost: number,
    peek = false,
  ): RateLimitDecision {
    assertKeyId(keyId);
    assertOwner(policy, ownerId);
    if (!peek) assertCost(cost);
    const now = Math.floor(clock());
    sweep(now);
    const frame = frameOf(policy, now);
    const { names, current } = keyNames.of(keyId, ownerId, policy, frame);
    const counts = new Array<number>(2 * policy.windows.length);
    let k = 0;
    for (let i = 0; i < policy.windows.length; i++) {
      const previous = policy.windows[i]!.periodMs > 0 ? counters.get(names[k++]!) : undefined;
      const counter = counters.get(names[k++]!);
      counts[2 * i] = previous !== undefined && previous.expiresAt > now ? previous.count : 0;
      counts[2 * i + 1] = counter !== undefined && counter.expiresAt > now ? counter.count : 0;
    }
    if (peek) return settle(policy, frame, counts, true, 0, 'memory'); // count nothing
    const allowed = admits(policy, frame, counts, cost);
    if (allowed) {
      for (let i = 0; i < policy.windows.length; i++) {
        const name = names[current[i]!]!;
        const counter = counters.get(name);
        if (counter !== undefined && counter.expiresAt > now) counter.count += cost;
        else counters.set(name, { count: cost, expiresAt: now + frame.ttls[i]! });
      }
    }
    return settle(policy, frame, counts, allowed, cost, 'memory');
  }

  return {
    get size() {
      return counters.size;
    },
    check(keyId, policy, ownerId, cost = 1) {
      try {
        return Promise.resolve(decide(keyId, policy, ownerId, cost));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    peek(keyId, policy, ownerId) {
      try {
        return Promise.resolve(decide(keyId, policy, ownerId, 0, true));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    async close() {
      counters.clear();
    },
  };
}
