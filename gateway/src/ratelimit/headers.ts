import type { ServerResponse } from 'node:http';
import type { VerifyLimit } from '@gateway/shared';
import type { RateLimitDecision, WindowState } from './types.js';

export type HeaderPair = [name: string, value: string];

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
 * The enforced window that binds: fewer units remaining, or on a tie the one that frees up later —
 * so on a denial it agrees with Retry-After. Undefined when the policy enforces nothing.
 */
export function tightestWindow(decision: RateLimitDecision): WindowState | undefined {
  let tight: WindowState | undefined;
  for (const w of decision.windows) {
    if (w.shadow) continue;
    if (
      tight === undefined ||
      w.remaining < tight.remaining ||
      (w.remaining === tight.remaining && w.resetSeconds > tight.resetSeconds)
    ) {
      tight = w;
    }
  }
  return tight;
}

const item = (w: WindowState) => `"${w.name}";r=${w.remaining};t=${w.resetSeconds}`;

/**
 * Appends the rate-limit fields of a /proxy response to `out`. The un-suffixed X-RateLimit-* trio
 * describes the tightest enforced window; `-Minute`/`-Day` the key's own minute and day windows where
 * the policy has them. `RateLimit-Policy` lists every window (shadow ones marked `;shadow`) and
 * `RateLimit` every window's state, the tightest enforced one first.
 */
export function pushRateLimitHeaders(out: FlatHeaders, decision: RateLimitDecision): void {
  const { policy } = decision;
  const tight = tightestWindow(decision);
  if (tight !== undefined) {
    out.push(
      'X-RateLimit-Limit',
      String(tight.limit),
      'X-RateLimit-Remaining',
      String(tight.remaining),
      'X-RateLimit-Reset',
      String(tight.resetSeconds),
    );
  }
  let rateLimit = tight === undefined ? '' : item(tight);
  for (const w of decision.windows) {
    if (w.scope === 'key') {
      if (w.unit === 'minute')
        out.push('X-RateLimit-Limit-Minute', String(w.limit), 'X-RateLimit-Remaining-Minute', String(w.remaining));
      else if (w.unit === 'day')
        out.push('X-RateLimit-Limit-Day', String(w.limit), 'X-RateLimit-Remaining-Day', String(w.remaining));
    }
    if (w !== tight) rateLimit = rateLimit === '' ? item(w) : `${rateLimit}, ${item(w)}`;
  }
  if (policy.header !== '') out.push('RateLimit-Policy', policy.header, 'RateLimit', rateLimit);
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

const WINDOW_WORDS: Record<WindowState['unit'], string> = {
  second: 'per-second limit',
  minute: 'per-minute limit',
  hour: 'per-hour limit',
  day: 'daily quota',
  month: 'monthly quota',
};

/** "The key's per-minute limit", "The owner's monthly quota (shared by all their keys)": for a 429's detail. */
export function describeWindow(w: Pick<WindowState, 'unit' | 'scope'>): string {
  return w.scope === 'owner'
    ? `The owner's ${WINDOW_WORDS[w.unit]} (shared by all their keys)`
    : `The key's ${WINDOW_WORDS[w.unit]}`;
}

/** A 429's detail: which window refused and when to retry. */
export function rateLimitedDetail(decision: RateLimitDecision): string {
  const which = decision.refusedBy === null ? "The key's rate limit" : describeWindow(decision.refusedBy);
  return `${which} is exhausted; retry after ${decision.retryAfterSeconds} s.`;
}

/** A window's state as the management API shows it (`POST /keys/verify`, `GET /keys/:id/limits`). */
export function toLimit(w: WindowState): VerifyLimit {
  return {
    window: w.name,
    unit: w.unit,
    scope: w.scope,
    shadow: w.shadow,
    limit: w.limit,
    remaining: w.remaining,
    reset: w.resetSeconds,
  };
}
