export { type RateLimitMetrics, recordDecision, withDecisionMetrics } from './decision-metrics.js';
export {
  type FlatHeaders,
  type HeaderPair,
  pushRateLimitHeaders,
  RATE_LIMIT_FIELDS,
  rateLimitHeaders,
  rateLimitPolicy,
  setFlatHeaders,
  setRateLimitHeaders,
} from './headers.js';
export { createMemoryRateLimiter, type MemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-limiter.js';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './redis-limiter.js';
export {
  CLOSED_RETRY_AFTER_SECONDS,
  createResilientRateLimiter,
  type RateLimitFailureMode,
  type ResilientRateLimiterOptions,
} from './resilient-limiter.js';
export type { Clock, RateLimitBackend, RateLimitDecision, RateLimiter, RateLimits, WindowState } from './types.js';
