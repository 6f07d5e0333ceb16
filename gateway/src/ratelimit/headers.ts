import type { ServerResponse } from 'node:http';
import type { RateLimitDecision } from './types.js';

export type HeaderPair = [name: string, value: string];

// RateLimit-Policy depends only on the key's limits, which rarely change: cache it per pair instead
// of formatting it on every request. Bounded so a stream of odd limits cannot grow it forever.
const POLICY_CACHE_MAX = 1024;
const policyCache = new Map<number, Map<number, string>>();
let policyCacheSize = 0;

/** `"minute";q=60;w=60, "day";q=10000;w=86400` (draft-ietf-httpapi-ratelimit-headers, section 3). */
export function rateLimitPolicy(perMinute: number, perDay: number): string {
  let byDay = policyCache.get(perMinute);
  const cached = byDay?.get(perDay);
  if (cached !== undefined) return cached;
  if (policyCacheSize >= POLICY_CACHE_MAX) {
    policyCache.clear();
    policyCacheSize = 0;
    byDay = undefined;
  }
  if (byDay === undefined) {
    byDay = new Map();
    policyCache.set(perMinute, byDay);
  }
  const value = `"minute";q=${perMinute};w=60, "day";q=${perDay};w=86400`;
  byDay.set(perDay, value);
  policyCacheSize++;
  return value;
}

/**
 * Emits the rate-limit fields of a /proxy response. The un-suffixed X-RateLimit-* trio and the
 * IETF `RateLimit` field describe the tighter window: fewer requests remaining, or on a tie the one
 * that frees up later — so on a denial they agree with Retry-After.
 */
function emitHeaders(decision: RateLimitDecision, set: (name: string, value: string) => void): void {
  const { minute, day } = decision;
  const dayIsTighter =
    day.remaining < minute.remaining || (day.remaining === minute.remaining && day.resetSeconds > minute.resetSeconds);
  const tight = dayIsTighter ? day : minute;
  set('X-RateLimit-Limit', String(tight.limit));
  set('X-RateLimit-Remaining', String(tight.remaining));
  set('X-RateLimit-Reset', String(tight.resetSeconds));
  set('X-RateLimit-Limit-Minute', String(minute.limit));
  set('X-RateLimit-Remaining-Minute', String(minute.remaining));
  set('X-RateLimit-Limit-Day', String(day.limit));
  set('X-RateLimit-Remaining-Day', String(day.remaining));
  set('RateLimit-Policy', rateLimitPolicy(minute.limit, day.limit));
  set('RateLimit', `${dayIsTighter ? '"day"' : '"minute"'};r=${tight.remaining};t=${tight.resetSeconds}`);
  if (!decision.allowed) set('Retry-After', String(decision.retryAfterSeconds));
}

/** The rate-limit header fields for `decision`, as [name, value] pairs. */
export function rateLimitHeaders(decision: RateLimitDecision): HeaderPair[] {
  const headers: HeaderPair[] = [];
  emitHeaders(decision, (name, value) => {
    headers.push([name, value]);
  });
  return headers;
}

/** Writes the rate-limit header fields straight onto a response (no intermediate array). */
export function setRateLimitHeaders(res: Pick<ServerResponse, 'setHeader'>, decision: RateLimitDecision): void {
  emitHeaders(decision, (name, value) => {
    res.setHeader(name, value);
  });
}
