/** Per-key limits, as stored on the API key. */
export interface RateLimits {
  perMinute: number;
  perDay: number;
}

/** The state of one window after a decision. */
export interface WindowState {
  limit: number;
  remaining: number;
  /** Seconds (integer >= 0) until this window frees capacity (when exhausted) or rolls over. */
  resetSeconds: number;
}

export type RateLimitBackend = 'redis' | 'memory' | 'local-fallback' | 'open' | 'closed';

export interface RateLimitDecision {
  allowed: boolean;
  minute: WindowState;
  day: WindowState;
  /** 0 when allowed; otherwise seconds until a request would pass (integer >= 1). */
  retryAfterSeconds: number;
  backend: RateLimitBackend;
}

export interface RateLimiter {
  /** Checks both windows and, only if both pass, counts the request in both. */
  check(keyId: string, limits: RateLimits): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Milliseconds since the Unix epoch; injectable so tests can move time. */
export type Clock = () => number;
