import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_FIELDS, rateLimitHeaders, setRateLimitHeaders } from './headers.js';
import { createMemoryRateLimiter } from './memory-limiter.js';
import type { RateLimitDecision, RateLimits } from './types.js';

const T0 = Date.UTC(2030, 0, 15, 12, 0, 0);
const NOON_TO_MIDNIGHT = 12 * 3600;

async function decisions(limits: RateLimits, n: number, now = T0): Promise<RateLimitDecision[]> {
  const limiter = createMemoryRateLimiter({ clock: () => now });
  const keyId = randomUUID();
  const out = [];
  for (let i = 0; i < n; i++) out.push(await limiter.check(keyId, limits));
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
      RateLimit: '"minute";r=59;t=60',
    });
  });

  it('names the day when it has fewer requests left', async () => {
    const [first] = await decisions({ perMinute: 100, perDay: 5 }, 1);
    const headers = asObject(first as RateLimitDecision);
    expect(headers['X-RateLimit-Limit']).toBe('5');
    expect(headers['X-RateLimit-Remaining']).toBe('4');
    expect(headers['X-RateLimit-Reset']).toBe(String(NOON_TO_MIDNIGHT));
    expect(headers.RateLimit).toBe(`"day";r=4;t=${NOON_TO_MIDNIGHT}`);
  });

  it('adds Retry-After on a denial, consistent with the tighter window', async () => {
    const all = await decisions({ perMinute: 10, perDay: 1_000 }, 11);
    const denied = all[10] as RateLimitDecision;
    const headers = asObject(denied);
    expect(denied.allowed).toBe(false);
    expect(headers['Retry-After']).toBe('66');
    expect(headers['X-RateLimit-Reset']).toBe('66');
    expect(headers['X-RateLimit-Remaining']).toBe('0');
    expect(headers.RateLimit).toBe('"minute";r=0;t=66');
    expect(all.slice(0, 10).every((d) => !('Retry-After' in asObject(d)))).toBe(true);
  });

  it('points at the day when both windows are exhausted and the day frees up later', async () => {
    const all = await decisions({ perMinute: 2, perDay: 2 }, 3);
    const headers = asObject(all[2] as RateLimitDecision);
    expect(headers['Retry-After']).toBe(String(NOON_TO_MIDNIGHT));
    expect(headers.RateLimit).toBe(`"day";r=0;t=${NOON_TO_MIDNIGHT}`);
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
