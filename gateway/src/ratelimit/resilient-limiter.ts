import type { Logger } from '../logger.js';
import { commandTimeoutOf, type RedisClient } from '../redis-client.js';
import { type RateLimitMetrics, recordDecision } from './decision-metrics.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { assertKeyId, assertOwner } from './redis-keys.js';
import type { Clock, LimitPolicy, RateLimitDecision, RateLimiter, WindowState } from './types.js';
import { assertCost, frameOf, settle, zeroCounts } from './window-math.js';

export type RateLimitFailureMode = 'local' | 'open' | 'closed';

/** Retry-After while failing closed: short, since Redis outages are expected to be brief. */
export const CLOSED_RETRY_AFTER_SECONDS = 5;
/** After a failed Redis command, decide locally this long before probing Redis again… */
export const DEFAULT_PROBE_BACKOFF_MS = 1_000;
/** …doubling after each failed probe, up to this. */
export const DEFAULT_PROBE_BACKOFF_MAX_MS = 30_000;

export interface ResilientRateLimiterOptions {
  /** The Redis limiter. */
  primary: RateLimiter;
  /**
   * Its client. `status` is read per request, so a dropped connection is noticed without waiting;
   * give it a short `commandTimeout` so a hung Redis is noticed too.
   */
  redis: Pick<RedisClient, 'status' | 'options'>;
  mode: RateLimitFailureMode;
  metrics: RateLimitMetrics;
  logger: Logger;
  clock?: Clock;
  /** Back-off after a failed command before the next probe (doubles per failed probe). */
  probeBackoffMs?: number;
  probeBackoffMaxMs?: number;
  /** Told when the failure mode engages (true, with why) and when Redis is back (false). Must not throw. */
  onStateChange?: (engaged: boolean, reason: string | null) => void;
}

/**
 * Wraps the Redis limiter with RATE_LIMIT_FAILURE_MODE and a circuit breaker. While Redis is
 * unreachable (client not ready, or a command failed / timed out) decisions come from the failure
 * mode. After a failed command the breaker stays open for a back-off period (doubling per failed
 * probe); then one request at a time probes Redis. A hung Redis keeps the client `ready` (its TCP
 * connection is open), so without the back-off every sequential request became the next probe and
 * waited the full command timeout: 8 requests took 0.50–0.52 s each.
 */
export function createResilientRateLimiter(options: ResilientRateLimiterOptions): RateLimiter {
  const { primary, redis, mode, metrics, logger } = options;
  if (mode !== 'local' && mode !== 'open' && mode !== 'closed') {
    throw new RangeError(`unknown rate limit failure mode: ${String(mode)}`);
  }
  const clock = options.clock ?? Date.now;
  const local = mode === 'local' ? createMemoryRateLimiter({ clock }) : undefined;
  const backoffMs = options.probeBackoffMs ?? DEFAULT_PROBE_BACKOFF_MS;
  const backoffMaxMs = Math.max(backoffMs, options.probeBackoffMaxMs ?? DEFAULT_PROBE_BACKOFF_MAX_MS);
  let engaged = false;
  let probing = false;
  // Monotonic time (not `clock`, which tests freeze): when the open breaker lets the next probe through.
  let probeAt = 0;
  let nextBackoffMs = backoffMs;
  metrics.rateLimitFailureMode.set(0);
  if (!commandTimeoutOf(redis)) {
    logger.warn('Redis client has no commandTimeout: a hung Redis would stall rate-limited requests');
  }

  function engage(reason: string, err?: unknown): void {
    if (engaged) return;
    engaged = true;
    metrics.rateLimitFailureMode.set(1);
    logger.warn({ err, redisStatus: redis.status, mode }, `Redis unreachable (${reason}); rate limiting fails ${mode}`);
    options.onStateChange?.(true, reason);
  }

  /** Opens the breaker. Only the first failure and failed probes move it: requests already in
   * flight when Redis hung fail together and must not multiply the back-off. */
  function trip(isProbe: boolean, err: unknown): void {
    if (isProbe || !engaged) {
      probeAt = performance.now() + nextBackoffMs;
      nextBackoffMs = Math.min(nextBackoffMs * 2, backoffMaxMs);
    }
    engage('command failed', err);
  }

  function disengage(): void {
    if (!engaged) return;
    nextBackoffMs = backoffMs;
    engaged = false;
    metrics.rateLimitFailureMode.set(0);
    logger.info({ mode }, 'Redis reachable again; rate limiting back on Redis');
    options.onStateChange?.(false, null);
  }

  async function degraded(
    keyId: string,
    policy: LimitPolicy,
    ownerId: string | undefined,
    cost: number,
  ): Promise<RateLimitDecision> {
    if (local !== undefined) {
      const decision = await local.check(keyId, policy, ownerId, cost);
      decision.backend = 'local-fallback';
      return decision;
    }
    const now = Math.floor(clock());
    if (mode === 'open') return settle(policy, frameOf(policy, now), zeroCounts(policy), true, cost, 'open', false);
    const windows = policy.windows.map(
      (w): WindowState => ({
        name: w.name,
        unit: w.unit,
        scope: w.scope,
        shadow: w.shadow,
        limit: w.limit,
        remaining: 0,
        resetSeconds: CLOSED_RETRY_AFTER_SECONDS,
      }),
    );
    return {
      allowed: false,
      policy,
      windows,
      refusedBy: null,
      shadowRefusals: [],
      retryAfterSeconds: CLOSED_RETRY_AFTER_SECONDS,
      backend: 'closed',
    };
  }

  const record = (decision: RateLimitDecision) => {
    recordDecision(metrics, decision);
    return decision;
  };

  // Promise chains rather than async functions: this runs on every proxied request, and each async
  // layer costs a promise and a microtask turn.
  function decide(
    keyId: string,
    policy: LimitPolicy,
    ownerId: string | undefined,
    cost: number,
  ): Promise<RateLimitDecision> {
    // Validate here too, so bad input fails the same way whichever backend answers.
    assertKeyId(keyId);
    assertOwner(policy, ownerId);
    assertCost(cost);
    if (redis.status !== 'ready') {
      engage(`client ${redis.status}`);
      return degraded(keyId, policy, ownerId, cost).then(record);
    }
    if (engaged && (probing || performance.now() < probeAt)) return degraded(keyId, policy, ownerId, cost).then(record);
    const isProbe = engaged;
    if (isProbe) probing = true;
    let pending: Promise<RateLimitDecision>;
    try {
      pending = primary.check(keyId, policy, ownerId, cost);
    } catch (err) {
      pending = Promise.reject(err);
    }
    return pending.then(
      (decision) => {
        if (isProbe) probing = false;
        disengage();
        return record(decision);
      },
      (err: unknown) => {
        if (isProbe) probing = false;
        if (err instanceof RangeError) throw err; // bad input, not an outage
        trip(isProbe, err);
        return degraded(keyId, policy, ownerId, cost).then(record);
      },
    );
  }

  return {
    check(keyId, policy, ownerId, cost = 1) {
      try {
        return decide(keyId, policy, ownerId, cost);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    /** Redis's counters; while the failure mode is engaged (or Redis fails), the local ones if any. */
    async peek(keyId, policy, ownerId) {
      if (!engaged || local === undefined) {
        try {
          return await primary.peek(keyId, policy, ownerId);
        } catch (err) {
          if (local === undefined) throw err;
        }
      }
      return local.peek(keyId, policy, ownerId);
    },
    async close() {
      await Promise.all([primary.close(), local?.close()]);
    },
  };
}
