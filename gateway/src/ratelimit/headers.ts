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

/** A flat field list, `[name, value, name, value, …]`: what `res.writeHead` takes in one call. */
export type FlatHeaders = string[];

/**
 * The fields `pushRateLimitHeaders` writes on every answer, lower-cased: on a forwarded answer the
 * upstream's fields of these names are dropped. (Retry-After is not one: the gateway sets it only
 * when it refuses a request, and an upstream's Retry-After on its own answer must reach the client.)
 */
export const RATE_LIMIT_FIELDS: ReadonlySet<string> = new Set([
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-limit-minute',
  'x-ratelimit-remaining-minute',
  'x-ratelimit-limit-day',
  'x-ratelimit-remaining-day',
  'ratelimit-policy',
  'ratelimit',
]);

/**
 * Appends the rate-limit fields of a /proxy response to `out`. The un-suffixed X-RateLimit-* trio
 * and the IETF `RateLimit` field describe the tighter window: fewer requests remaining, or on a tie
 * the one that frees up later — so on a denial they agree with Retry-After.
 */
export function pushRateLimitHeaders(out: FlatHeaders, decision: RateLimitDecision): void {
  const { minute, day } = decision;
  const dayIsTighter =
    day.remaining < minute.remaining || (day.remaining === minute.remaining && day.resetSeconds > minute.resetSeconds);
  const tight = dayIsTighter ? day : minute;
  out.push(
    'X-RateLimit-Limit',
    String(tight.limit),
    'X-RateLimit-Remaining',
    String(tight.remaining),
    'X-RateLimit-Reset',
    String(tight.resetSeconds),
    'X-RateLimit-Limit-Minute',
    String(minute.limit),
    'X-RateLimit-Remaining-Minute',
    String(minute.remaining),
    'X-RateLimit-Limit-Day',
    String(day.limit),
    'X-RateLimit-Remaining-Day',
    String(day.remaining),
    'RateLimit-Policy',
    rateLimitPolicy(minute.limit, day.limit),
    'RateLimit',
    `${dayIsTighter ? '"day"' : '"minute"'};r=${tight.remaining};t=${tight.resetSeconds}`,
  );
  if (!decision.allowed) out.push('Retry-After', String(decision.retryAfterSeconds));
}

/** Sets each field of a flat list on `res` (for answers that are not written with one `writeHead`). */
export function setFlatHeaders(res: Pick<ServerResponse, 'setHeader'>, fields: FlatHeaders): void {
  for (let i = 0; i < fields.length; i += 2) res.setHeader(fields[i]!, fields[i + 1]!);
}

/** The rate-limit header fields for `decision`, as [name, value] pairs. */
export function rateLimitHeaders(decision: RateLimitDecision): HeaderPair[] {
  const flat: FlatHeaders = [];
  pushRateLimitHeaders(flat, decision);
  const pairs: HeaderPair[] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

/** Writes the rate-limit header fields onto a response. */
export function setRateLimitHeaders(res: Pick<ServerResponse, 'setHeader'>, decision: RateLimitDecision): void {
  const flat: FlatHeaders = [];
  pushRateLimitHeaders(flat, decision);
  setFlatHeaders(res, flat);
}
