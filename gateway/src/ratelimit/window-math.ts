import type { LimitPolicy, RateLimitBackend, RateLimitDecision, WindowState } from './types.js';

/*
 * Shared arithmetic of both limiters (the Redis Lua script repeats only the `fits` tests).
 *
 * Sliding windows (second, minute, hour): sliding window counter. Requests are counted in fixed
 * buckets of the window's length and the previous bucket is weighted by the part of it still inside
 * the sliding window:
 *   estimate = previous × (1 − elapsed/period) + current
 * Two integers per window instead of a log of timestamps, and no double burst at the bucket edge
 * that a fixed window allows. Everything is scaled by the period so the comparison is exact integer
 * math, identical in JavaScript and in Redis' Lua.
 *
 * Calendar windows (day, month): a plain counter per local day or month (see calendar.ts).
 */
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Keeps keys a little past their window so replicas whose clocks differ slightly still agree. */
export const TTL_SLACK_MS = 5_000;

/** Would `cost` more units keep the sliding estimate within the limit? */
export function slidingFits(
  previous: number,
  current: number,
  limit: number,
  periodMs: number,
  elapsedMs: number,
  cost: number,
): boolean {
  return previous * (periodMs - elapsedMs) + (current + cost) * periodMs <= limit * periodMs;
}

/** Milliseconds until `slidingFits` turns true, assuming no further traffic. */
export function msUntilSlidingFits(
  previous: number,
  current: number,
  limit: number,
  periodMs: number,
  elapsedMs: number,
  cost: number,
): number {
  if (slidingFits(previous, current, limit, periodMs, elapsedMs, cost)) return 0;
  const toBucketEnd = periodMs - elapsedMs;
  if (current + cost <= limit) {
    // Still inside this bucket: wait until the previous bucket's weight has decayed enough.
    const slack = (limit - current - cost) * periodMs;
    return toBucketEnd - Math.floor(slack / previous);
  }
  if (limit < cost) return toBucketEnd + periodMs; // never fits; point at the window being empty
  // Only in the next bucket, once this bucket's count has become the decaying previous one.
  return toBucketEnd + Math.max(0, periodMs - Math.floor(((limit - cost) * periodMs) / current));
}

/** The minute window's test, for cost 1 (kept for the seed's tests and documentation). */
export function minuteFits(previous: number, current: number, limit: number, elapsedMs: number): boolean {
  return slidingFits(previous, current, limit, MINUTE_MS, elapsedMs, 1);
}

export function msUntilMinuteFits(previous: number, current: number, limit: number, elapsedMs: number): number {
  return msUntilSlidingFits(previous, current, limit, MINUTE_MS, elapsedMs, 1);
}

/**
 * Where each window of a policy stands at one instant: its id (bucket number, or `YYYYMMDD` /
 * `YYYYMM` for calendar windows), the ms elapsed in it, when it ends and how long its counter must
 * live. Computed once per request in JavaScript — never in Lua — from the injectable clock.
 */
export interface Frame {
  now: number;
  ids: number[];
  elapsed: number[];
  ends: number[];
  ttls: number[];
}

export function frameOf(policy: LimitPolicy, now: number): Frame {
  const { windows, calendar } = policy;
  const n = windows.length;
  const ids = new Array<number>(n);
  const elapsed = new Array<number>(n);
  const ends = new Array<number>(n);
  const ttls = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const w = windows[i]!;
    if (w.periodMs > 0) {
      const bucket = Math.floor(now / w.periodMs);
      ids[i] = bucket;
      elapsed[i] = now - bucket * w.periodMs;
      ends[i] = (bucket + 1) * w.periodMs;
      // The bucket is read as "previous" during the next one.
      ttls[i] = ends[i]! + w.periodMs - now + TTL_SLACK_MS;
    } else {
      const period = w.unit === 'day' ? calendar.dayAt(now) : calendar.monthAt(now);
      ids[i] = period.id;
      elapsed[i] = now - period.start;
      ends[i] = period.end;
      ttls[i] = period.end - now + TTL_SLACK_MS;
    }
  }
  return { now, ids, elapsed, ends, ttls };
}

/**
 * The decision both stores make from the counts read before the request (`counts[2i]` previous and
 * `counts[2i + 1]` current bucket of window i; previous is 0 for calendar windows): allowed when
 * every enforced window fits `cost` more units. The stores count the request (in every window, shadow
 * ones included) only when this is true.
 */
export function admits(policy: LimitPolicy, frame: Frame, counts: ArrayLike<number>, cost: number): boolean {
  const { windows } = policy;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    if (w.shadow) continue;
    const current = counts[2 * i + 1]!;
    const fits =
      w.periodMs > 0
        ? slidingFits(counts[2 * i]!, current, w.limit, w.periodMs, frame.elapsed[i]!, cost)
        : current + cost <= w.limit;
    if (!fits) return false;
  }
  return true;
}

const ceilSeconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * Builds the decision from the counts read before the request and whether it was counted. A
 * window reports remaining units and, when exhausted, when it next admits one; otherwise when it
 * rolls over. Retry-After is when every enforced window that refused admits the request again.
 */
export function settle(
  policy: LimitPolicy,
  frame: Frame,
  counts: ArrayLike<number>,
  allowed: boolean,
  cost: number,
  backend: RateLimitBackend,
  /** False when the request passed without being counted (RATE_LIMIT_FAILURE_MODE=open). */
  counted = allowed,
): RateLimitDecision {
  const { windows } = policy;
  const { now } = frame;
  const states: WindowState[] = new Array(windows.length);
  let refusedBy: WindowState | null = null;
  let shadowRefusals: WindowState[] = NO_STATES;
  let longestWait = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    const previous = counts[2 * i]!;
    const before = counts[2 * i + 1]!;
    const current = counted ? before + cost : before;
    const elapsed = frame.elapsed[i]!;
    let remaining: number;
    let resetSeconds: number;
    let wait = 0;
    if (w.periodMs > 0) {
      const P = w.periodMs;
      remaining = Math.max(0, Math.floor((w.limit * P - previous * (P - elapsed) - current * P) / P));
      resetSeconds =
        remaining > 0
          ? ceilSeconds(P - elapsed)
          : ceilSeconds(msUntilSlidingFits(previous, current, w.limit, P, elapsed, 1));
      if (!slidingFits(previous, before, w.limit, P, elapsed, cost)) {
        wait = msUntilSlidingFits(previous, before, w.limit, P, elapsed, cost);
      }
    } else {
      remaining = Math.max(0, w.limit - current);
      resetSeconds = ceilSeconds(frame.ends[i]! - now);
      if (before + cost > w.limit) wait = frame.ends[i]! - now;
    }
    const state: WindowState = {
      name: w.name,
      unit: w.unit,
      scope: w.scope,
      shadow: w.shadow,
      limit: w.limit,
      remaining,
      resetSeconds,
    };
    states[i] = state;
    if (wait > 0) {
      if (w.shadow) {
        if (shadowRefusals === NO_STATES) shadowRefusals = [];
        shadowRefusals.push(state);
      } else if (!allowed && (refusedBy === null || wait > longestWait)) {
        refusedBy = state;
        longestWait = wait;
      }
    }
  }
  const retryAfterSeconds = allowed ? 0 : Math.max(1, ceilSeconds(longestWait));
  return { allowed, policy, windows: states, refusedBy, shadowRefusals, retryAfterSeconds, backend };
}

// Shared by every decision without shadow refusals (nearly all): never mutated.
const NO_STATES: WindowState[] = Object.freeze([]) as unknown as WindowState[];

/** The counts of a policy with nothing counted yet. */
export function zeroCounts(policy: LimitPolicy): number[] {
  return new Array<number>(2 * policy.windows.length).fill(0);
}

/** Cost must be a positive integer; anything else is a programming error upstream. */
export function assertCost(cost: number): void {
  if (!Number.isSafeInteger(cost) || cost < 1 || cost > 1_000_000) {
    throw new RangeError(`cost must be an integer from 1 to 1000000, got ${cost}`);
  }
}

/** The state of the window named `name` (`minute`, `owner-day`, …) in a decision, if the policy has one. */
export function windowNamed(decision: RateLimitDecision, name: string): WindowState | undefined {
  for (const w of decision.windows) if (w.name === name) return w;
  return undefined;
}
