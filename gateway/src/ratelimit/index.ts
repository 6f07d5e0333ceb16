export { isValidTimeZone } from './calendar.js';
export { type RateLimitMetrics, recordDecision, withDecisionMetrics } from './decision-metrics.js';
export {
  describeWindow,
  type FlatHeaders,
  type HeaderPair,
  pushRateLimitHeaders,
  RATE_LIMIT_FIELDS,
  rateLimitedDetail,
  rateLimitHeaders,
  setFlatHeaders,
  setRateLimitHeaders,
  tightestWindow,
  toLimit,
} from './headers.js';
export { createMemoryRateLimiter, type MemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-limiter.js';
export { compilePolicy, keyLimits, MAX_WINDOW_LIMIT, WINDOW_UNITS } from './policy.js';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './redis-limiter.js';
export {
  CLOSED_RETRY_AFTER_SECONDS,
  createResilientRateLimiter,
  type RateLimitFailureMode,
  type ResilientRateLimiterOptions,
} from './resilient-limiter.js';
export type {
  Clock,
  LimitPolicy,
  LimitWindow,
  RateLimitBackend,
  RateLimitDecision,
  RateLimiter,
  RateLimits,
  WindowScope,
  WindowSpec,
  WindowState,
  WindowUnit,
} from './types.js';
export { windowNamed } from './window-math.js';
