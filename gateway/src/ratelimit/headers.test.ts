import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { policyOf } from '../../test/support/limits.js';
import { RATE_LIMIT_FIELDS, rateLimitHeaders, setRateLimitHeaders } from './headers.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import { compilePolicy } from './policy.js';
import type { RateLimitDecision, RateLimits } from './types.js';

const T0 = Date.UTC(2030, 0, 15, 12, 0, 0);
const NOON_TO_MIDNIGHT = 12 * 3600;

async function decisions(limits: RateLimits, n: number, now = T0): Promise<RateLimitDecision[]> {
  const limiter = createMemoryRateLimiter({ clock: () => now });
  const keyId = randomUUID();
  const out = [];
  for (let i = 0; i < n; i++) out.push(await limiter.check(keyId, policyOf(limits)));
  return out;
}

const asObject = (decision: RateLimitDecision) => Object.fromEntries(rateLimitHeaders(decision));

describe('rateLimitHeaders', () => {
  it('describes both windows and names the minute as the tighter one', async () => {
    const [first] = await decisions({ perMinute: 60, perDay: 10_000 }, 1);
    expect(asObject(first as RateLimitDecision)).toEqual({
      'X-RateLimit-Limit': '60',
      'X-RateLimit-Remaining': '59',
      'X-RateLimit-Reset': '60',
      'X-RateLimit-Limit-Minute': '60',
      'X-RateLimit-Remaining-Minute': '59',
      'X-RateLimit-Limit-Day': '10000',
      'X-RateLimit-Remaining-Day': '9999',
      'RateLimit-Policy': '"minute";q=60;w=60, "day";q=10000;w=86400',
      RateLimit: `"minute";r=59;t=60, "day";r=9999;t=${NOON_TO_MIDNIGHT}`,
    });
  });

  it('names the day when it has fewer requests left', async () => {
    const [first] = await decisions({ perMinute: 100, perDay: 5 }, 1);
    const headers = asObject(first as RateLimitDecision);
    expect(headers['X-RateLimit-Limit']).toBe('5');
    expect(headers['X-RateLimit-Remaining']).toBe('4');
    expect(headers['X-RateLimit-Reset']).toBe(String(NOON_TO_MIDNIGHT));
    expect(headers.RateLimit).toBe(`"day";r=4;t=${NOON_TO_MIDNIGHT}, "minute";r=99;t=60`);
  });

  it('adds Retry-After on a denial, consistent with the tighter window', async () => {
    const all = await decisions({ perMinute: 10, perDay: 1_000 }, 11);
    const denied = all[10] as RateLimitDecision;
    const headers = asObject(denied);
    expect(denied.allowed).toBe(false);
    expect(headers['Retry-After']).toBe('66');
    expect(headers['X-RateLimit-Reset']).toBe('66');
    expect(headers['X-RateLimit-Remaining']).toBe('0');
    expect(headers.RateLimit).toBe(`"minute";r=0;t=66, "day";r=990;t=${NOON_TO_MIDNIGHT}`);
    expect(all.slice(0, 10).every((d) => !('Retry-After' in asObject(d)))).toBe(true);
  });

  it('points at the day when both windows are exhausted and the day frees up later', async () => {
    const all = await decisions({ perMinute: 2, perDay: 2 }, 3);
    const headers = asObject(all[2] as RateLimitDecision);
    expect(headers['Retry-After']).toBe(String(NOON_TO_MIDNIGHT));
    expect(headers.RateLimit).toBe(`"day";r=0;t=${NOON_TO_MIDNIGHT}, "minute";r=0;t=90`);
  });

  it('carries only valid field values', async () => {
    for (const decision of await decisions({ perMinute: 3, perDay: 4 }, 6, T0 + 12_345)) {
      for (const [name, value] of rateLimitHeaders(decision)) {
        expect(name).toMatch(/^[A-Za-z-]+$/);
        expect(value).toMatch(/^[\x20-\x7e]+$/);
      }
    }
  });
});

describe('rateLimitHeaders for a plan', () => {
  const plan = compilePolicy(
    [
      { unit: 'second', limit: 5, scope: 'key', shadow: false },
      { unit: 'hour', limit: 2, scope: 'key', shadow: true },
      { unit: 'month', limit: 1_000, scope: 'owner', shadow: false },
    ],
    'Europe/Berlin',
  );

  it('lists every window, marks shadow ones, and binds the trio to the tightest enforced window', async () => {
    const limiter = createMemoryRateLimiter({ clock: () => T0 });
    const keyId = randomUUID();
    const ownerId = randomUUID();
    let last: RateLimitDecision | undefined;
    for (let i = 0; i < 3; i++) last = await limiter.check(keyId, plan, ownerId);
    const headers = asObject(last as RateLimitDecision);
    expect(headers['RateLimit-Policy']).toBe(
      '"second";q=5;w=1, "hour";q=2;w=3600;shadow, "owner-month";q=1000;w=2592000',
    );
    // The shadow hour is over its limit, yet it neither refuses nor binds the X-RateLimit trio.
    expect((last as RateLimitDecision).allowed).toBe(true);
    expect(headers['X-RateLimit-Limit']).toBe('5');
    expect(headers['X-RateLimit-Remaining']).toBe('2');
    // 2030-01-15 13:00 in Berlin: February starts at 2030-01-31T23:00Z.
    const toFebruary = (Date.UTC(2030, 0, 31, 23) - T0) / 1000;
    // The hour holds 3 of 2: it admits again once 3 × (1 − t/1 h) + 1 ≤ 2, 40 min into the next hour.
    expect(headers.RateLimit).toBe(`"second";r=2;t=1, "hour";r=0;t=6000, "owner-month";r=997;t=${toFebruary}`);
    // No key minute or day window: no -Minute / -Day fields.
    expect(headers['X-RateLimit-Limit-Minute']).toBeUndefined();
    expect(headers['X-RateLimit-Limit-Day']).toBeUndefined();
  });
});

describe('RATE_LIMIT_FIELDS', () => {
  it('names every field of an allowed answer, and Retry-After only on a refusal', async () => {
    const [allowed, denied] = await decisions({ perMinute: 1, perDay: 10 }, 2);
    const allowedNames = rateLimitHeaders(allowed as RateLimitDecision).map(([name]) => name.toLowerCase());
    expect(new Set(allowedNames)).toEqual(RATE_LIMIT_FIELDS);
    const deniedNames = rateLimitHeaders(denied as RateLimitDecision).map(([name]) => name.toLowerCase());
    expect(deniedNames.filter((name) => !RATE_LIMIT_FIELDS.has(name))).toEqual(['retry-after']);
  });
});

describe('setRateLimitHeaders', () => {
  it('writes the same fields onto a real HTTP response', async () => {
    const all = await decisions({ perMinute: 1, perDay: 10 }, 2);
    const denied = all[1] as RateLimitDecision;
    const server = createServer((_req, res) => {
      setRateLimitHeaders(res, denied);
      res.statusCode = 429;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      for (const [name, value] of rateLimitHeaders(denied)) expect(res.headers.get(name)).toBe(value);
      expect(res.headers.get('retry-after')).toBe(String(denied.retryAfterSeconds));
    } finally {
      server.close();
    }
  });
});
