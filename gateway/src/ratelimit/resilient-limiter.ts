import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { type RateLimitMetrics, recordDecision } from './decision-metrics.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { assertKeyId } from './redis-keys.js';
import type { Clock, RateLimitDecision, RateLimiter, RateLimits } from './types.js';
import { assertLimits, buildDecision } from './window-math.js';

export type RateLimitFailureMode = 'local' | 'open' | 'closed';

/** Retry-After while failing closed: short, since Redis outages are expected to be brief. */
export const CLOSED_RETRY_AFTER_SECONDS = 5;

export interface ResilientRateLimiterOptions {
  /** The Redis limiter. */
  primary: RateLimiter;
  /**
   * Its client. `status` is read per request, so a dropped connection is noticed without waiting;
   * give it a short `commandTimeout` so a hung Redis is noticed too.
   */
  redis: Pick<Redis, 'status' | 'options'>;
  mode: RateLimitFailureMode;
  metrics: RateLimitMetrics;
  logger: Logger;
  clock?: Clock;
}

/**
 * Wraps the Redis limiter with RATE_LIMIT_FAILURE_MODE. While Redis is unreachable (client not
 * ready, or a command failed / timed out) decisions come from the failure mode; Redis is tried again
 * as soon as the client is ready, one probe request at a time so a half-dead Redis cannot stall
 * every request for a full command timeout.
 */
export function createResilientRateLimiter(options: ResilientRateLimiterOptions): RateLimiter {
  const { primary, redis, mode, metrics, logger } = options;
  if (mode !== 'local' && mode !== 'open' && mode !== 'closed') {
    throw new RangeError(`unknown rate limit failure mode: ${String(mode)}`);
  }
  const clock = options.clock ?? Date.now;
  const local = mode === 'local' ? createMemoryRateLimiter({ clock }) : undefined;
  let engaged = false;
  let probing = false;
  metrics.rateLimitFailureMode.set(0);
  if (!redis.options.commandTimeout) {
    logger.warn('Redis client has no commandTimeout: a hung Redis would stall rate-limited requests');
  }

  function engage(reason: string, err?: unknown): void {
    if (engaged) return;
    engaged = true;
    metrics.rateLimitFailureMode.set(1);
    logger.warn({ err, redisStatus: redis.status, mode }, `Redis unreachable (${reason}); rate limiting fails ${mode}`);
  }

  function disengage(): void {
    if (!engaged) return;
    engaged = false;
    metrics.rateLimitFailureMode.set(0);
    logger.info({ mode }, 'Redis reachable again; rate limiting back on Redis');
  }

  async function degraded(keyId: string, limits: RateLimits): Promise<RateLimitDecision> {
    if (local !== undefined) {
      const decision = await local.check(keyId, limits);
      decision.backend = 'local-fallback';
      return decision;
    }
    if (mode === 'open') return buildDecision(true, 0, 0, 0, limits, Math.floor(clock()), 'open');
    return {
      allowed: false,
      minute: { limit: limits.perMinute, remaining: 0, resetSeconds: CLOSED_RETRY_AFTER_SECONDS },
      day: { limit: limits.perDay, remaining: 0, resetSeconds: CLOSED_RETRY_AFTER_SECONDS },
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
  function decide(keyId: string, limits: RateLimits): Promise<RateLimitDecision> {
    // Validate here too, so bad input fails the same way whichever backend answers.
    assertKeyId(keyId);
    assertLimits(limits);
    if (redis.status !== 'ready') {
      engage(`client ${redis.status}`);
      return degraded(keyId, limits).then(record);
    }
    if (engaged && probing) return degraded(keyId, limits).then(record);
    const isProbe = engaged;
    if (isProbe) probing = true;
    let pending: Promise<RateLimitDecision>;
    try {
      pending = primary.check(keyId, limits);
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
        engage('command failed', err);
        return degraded(keyId, limits).then(record);
      },
    );
  }

  return {
    check(keyId, limits) {
      try {
        return decide(keyId, limits);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    async close() {
      await Promise.all([primary.close(), local?.close()]);
    },
  };
}
