import type { RateLimitBackend, RateLimitDecision, RateLimits, WindowState } from './types.js';

/*
 * Shared arithmetic of both limiters (the Redis Lua script repeats only `minuteFits`).
 *
 * Minute window: sliding window counter. Requests are counted in fixed 60 s buckets and the
 * previous bucket is weighted by the part of it still inside the sliding minute:
 *   estimate = previous × (1 − elapsed/60 s) + current
 * Two integers per key instead of a log of timestamps, and no double burst at the bucket edge that a
 * fixed window allows. Everything is scaled by MINUTE_MS so the comparison is exact integer math,
 * identical in JavaScript and in Redis' Lua.
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export function minuteBucket(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS);
}

/** Whole UTC days since the epoch: Unix time has no leap seconds, so days start at 00:00 UTC. */
export function utcDay(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS);
}

/** Would one more request keep the sliding estimate within the limit? */
export function minuteFits(previous: number, current: number, limit: number, elapsedMs: number): boolean {
  return previous * (MINUTE_MS - elapsedMs) + (current + 1) * MINUTE_MS <= limit * MINUTE_MS;
}

/** Milliseconds until `minuteFits` turns true, assuming no further traffic. */
export function msUntilMinuteFits(previous: number, current: number, limit: number, elapsedMs: number): number {
  if (minuteFits(previous, current, limit, elapsedMs)) return 0;
  const toBucketEnd = MINUTE_MS - elapsedMs;
  if (current + 1 <= limit) {
    // Still inside this bucket: wait until the previous bucket's weight has decayed enough.
    const slack = (limit - current - 1) * MINUTE_MS;
    return toBucketEnd - Math.floor(slack / previous);
  }
  if (limit < 1) return toBucketEnd + MINUTE_MS; // never fits; point at the window being empty
  // Only in the next bucket, once this bucket's count has become the decaying previous one.
  return toBucketEnd + Math.max(0, MINUTE_MS - Math.floor(((limit - 1) * MINUTE_MS) / current));
}

function ceilSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/**
 * Builds the decision from the counts as they are after the request (incremented only if allowed).
 * An exhausted window reports when it next admits a request; otherwise when it rolls over.
 */
export function buildDecision(
  allowed: boolean,
  previous: number,
  current: number,
  dayCount: number,
  limits: RateLimits,
  nowMs: number,
  backend: RateLimitBackend,
): RateLimitDecision {
  const elapsedMs = nowMs - minuteBucket(nowMs) * MINUTE_MS;
  const scaledRoom = limits.perMinute * MINUTE_MS - previous * (MINUTE_MS - elapsedMs) - current * MINUTE_MS;
  const minuteRemaining = Math.max(0, Math.floor(scaledRoom / MINUTE_MS));
  const minute: WindowState = {
    limit: limits.perMinute,
    remaining: minuteRemaining,
    resetSeconds:
      minuteRemaining > 0
        ? ceilSeconds(MINUTE_MS - elapsedMs)
        : ceilSeconds(msUntilMinuteFits(previous, current, limits.perMinute, elapsedMs)),
  };
  const day: WindowState = {
    limit: limits.perDay,
    remaining: Math.max(0, limits.perDay - dayCount),
    resetSeconds: ceilSeconds((utcDay(nowMs) + 1) * DAY_MS - nowMs),
  };
  let retryAfterSeconds = 0;
  if (!allowed) {
    // remaining === 0 is exactly "the next request does not fit" for both windows.
    const minuteWait = minute.remaining === 0 ? minute.resetSeconds : 0;
    const dayWait = day.remaining === 0 ? day.resetSeconds : 0;
    retryAfterSeconds = Math.max(1, minuteWait, dayWait);
  }
  return { allowed, minute, day, retryAfterSeconds, backend };
}

/** Limits must be non-negative integers; anything else is a programming error upstream. */
export function assertLimits(limits: RateLimits): void {
  if (!Number.isSafeInteger(limits.perMinute) || limits.perMinute < 0) {
    throw new RangeError(`perMinute must be a non-negative integer, got ${limits.perMinute}`);
  }
  if (!Number.isSafeInteger(limits.perDay) || limits.perDay < 0) {
    throw new RangeError(`perDay must be a non-negative integer, got ${limits.perDay}`);
  }
}
