import type { Redis } from 'ioredis';
import { assertKeyId, dayKey, keyBase, minuteKey } from './redis-keys.js';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import type { Clock, RateLimiter } from './types.js';
import { assertLimits, buildDecision, DAY_MS, MINUTE_MS, minuteBucket, utcDay } from './window-math.js';

/** Keeps keys a little past their window so replicas whose clocks differ slightly still agree. */
const TTL_SLACK_MS = 5_000;
const COMMAND = 'gatewayRateLimit';

type ScriptReply = [number, number, number, number];
type ScriptCommand = (
  previousKey: string,
  currentKey: string,
  dayKey: string,
  perMinute: number,
  perDay: number,
  elapsedMs: number,
  minuteTtlMs: number,
  dayTtlMs: number,
) => Promise<ScriptReply>;

export interface RedisRateLimiterOptions {
  /** The caller owns the client (and its commandTimeout / retryStrategy); `close` leaves it open. */
  redis: Redis;
  /** Namespace for every key, e.g. `gw:`. Must not contain `{` or `}` (it would steal the hash tag). */
  prefix: string;
  clock?: Clock;
}

/** Shared limiter for any number of replicas: one EVALSHA per decision. */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, prefix } = options;
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new RangeError('rate limit key prefix must not contain "{" or "}"');
  }
  const clock = options.clock ?? Date.now;
  // defineCommand sends EVALSHA, and on NOSCRIPT (first use on a connection, or after a Redis
  // restart / SCRIPT FLUSH) falls back to EVAL, which loads the script again.
  redis.defineCommand(COMMAND, { numberOfKeys: 3, lua: RATE_LIMIT_SCRIPT });
  const run = (redis as unknown as Record<typeof COMMAND, ScriptCommand>)[COMMAND].bind(redis);

  return {
    async check(keyId, limits) {
      assertKeyId(keyId);
      assertLimits(limits);
      const now = Math.floor(clock());
      const bucket = minuteBucket(now);
      const day = utcDay(now);
      const elapsedMs = now - bucket * MINUTE_MS;
      const base = keyBase(prefix, keyId);
      const [allowed, previous, current, dayCount] = await run(
        minuteKey(base, bucket - 1),
        minuteKey(base, bucket),
        dayKey(base, day),
        limits.perMinute,
        limits.perDay,
        elapsedMs,
        2 * MINUTE_MS - elapsedMs + TTL_SLACK_MS,
        (day + 1) * DAY_MS - now + TTL_SLACK_MS,
      );
      return buildDecision(allowed === 1, previous, current, dayCount, limits, now, 'redis');
    },
    async close() {},
  };
}
