import type { ZoneCalendar } from './calendar.js';

/** The length of a window: second/minute/hour slide; day/month are calendar periods in a time zone. */
export type WindowUnit = 'second' | 'minute' | 'hour' | 'day' | 'month';
/** Whose requests a window counts: one key's, or all keys of the key's owner together. */
export type WindowScope = 'key' | 'owner';

/** One window as configured (on a plan, or a key's own two numbers). */
export interface WindowSpec {
  unit: WindowUnit;
  /** Units (requests × cost) per window; integer ≥ 0 (0 refuses everything it enforces). */
  limit: number;
  scope: WindowScope;
  /** Counted and reported, never enforced. */
  shadow: boolean;
}

/** A window of a compiled policy: the spec plus what every decision needs, computed once. */
export interface LimitWindow extends WindowSpec {
  /** Name in headers, metrics and 429s: `minute`, `owner-month`, … (unique within a policy). */
  name: string;
  /** Bucket length for sliding windows; 0 for calendar windows. */
  periodMs: number;
}

/**
 * A validated, ordered set of windows and the time zone of its calendar windows. Built once per plan
 * (or per pair of key limits) and reused for every request: never build one per request.
 */
export interface LimitPolicy {
  readonly windows: readonly LimitWindow[];
  readonly timeZone: string;
  /** The calendar of `timeZone` (day and month windows). */
  readonly calendar: ZoneCalendar;
  readonly hasOwnerWindows: boolean;
  /** The `RateLimit-Policy` field value (draft-ietf-httpapi-ratelimit-headers), precomputed. */
  readonly header: string;
}

/** Seed-style per-key limits: a sliding minute and a UTC calendar day. */
export interface RateLimits {
  perMinute: number;
  perDay: number;
}

/** The state of one window after a decision. */
export interface WindowState {
  name: string;
  unit: WindowUnit;
  scope: WindowScope;
  shadow: boolean;
  limit: number;
  /** Units left (what a request of cost 1 could still use). */
  remaining: number;
  /** Seconds (integer >= 0) until this window frees capacity (when exhausted) or rolls over. */
  resetSeconds: number;
}

export type RateLimitBackend = 'redis' | 'memory' | 'local-fallback' | 'open' | 'closed';

export interface RateLimitDecision {
  allowed: boolean;
  /** The policy decided on (its windows, in order, and its RateLimit-Policy field). */
  policy: LimitPolicy;
  /** One per window of the policy, in the policy's order. */
  windows: WindowState[];
  /** The enforced window that refused (the one that frees up last when several did), else null. */
  refusedBy: WindowState | null;
  /** Shadow windows that would have refused this request (it was not refused for them). */
  shadowRefusals: WindowState[];
  /** 0 when allowed; otherwise seconds until a request would pass (integer >= 1). */
  retryAfterSeconds: number;
  backend: RateLimitBackend;
}

export interface RateLimiter {
  /**
   * Checks every window of `policy` for a request of `cost` units (default 1) and, only if every
   * enforced window passes, counts it in all of them — atomically. Owner windows count all keys of
   * `ownerId` together (required when the policy has owner windows).
   */
  check(keyId: string, policy: LimitPolicy, ownerId?: string, cost?: number): Promise<RateLimitDecision>;
  /** Every window's state right now, counting nothing (a key's page, `GET /keys/:id/limits`). */
  peek(keyId: string, policy: LimitPolicy, ownerId?: string): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Milliseconds since the Unix epoch; injectable so tests can move time. */
export type Clock = () => number;
