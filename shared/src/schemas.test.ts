import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AuditQuerySchema,
  CreateKeyRequestSchema,
  CreateTokenRequestSchema,
  EmailSchema,
  EmailSignInRequestSchema,
  ListKeysQuerySchema,
  ListUsersQuerySchema,
  NO_CONTROL_CHARACTERS_MESSAGE,
  OverviewQuerySchema,
  UpdateKeyRequestSchema,
  UsageQuerySchema,
  VerifyEmailRequestSchema,
} from './schemas.js';
import { MAX_USAGE_SERIES_POINTS } from './usage-window.js';
import { toFieldErrors } from './validation.js';

describe('EmailSchema', () => {
  it('trims and lower-cases', () => {
    expect(EmailSchema.parse('  Ada@Example.COM ')).toBe('ada@example.com');
  });
  it('rejects non-emails with a readable message', () => {
    const result = EmailSchema.safeParse('nope');
    expect(result.success).toBe(false);
    expect(toFieldErrors(result.error!)[0]!.message).toBe('must be a valid email address');
  });
});

describe('CreateKeyRequestSchema', () => {
  it('accepts an empty body (all defaults)', () => {
    expect(CreateKeyRequestSchema.parse({})).toEqual({});
  });
  it('names unknown fields', () => {
    const result = CreateKeyRequestSchema.safeParse({ name: 'a', extra: 1 });
    expect(toFieldErrors(result.error!)).toEqual([{ path: '(body)', message: 'unknown field(s): extra' }]);
  });
  it('rejects limits that are not positive whole numbers', () => {
    for (const limitPerMinute of [0, -1, 2.5, '5', Number.NaN]) {
      expect(CreateKeyRequestSchema.safeParse({ limitPerMinute }).success).toBe(false);
    }
  });
});

describe('UpdateKeyRequestSchema', () => {
  it('needs at least one field', () => {
    expect(UpdateKeyRequestSchema.safeParse({}).success).toBe(false);
    expect(UpdateKeyRequestSchema.parse({ active: false })).toEqual({ active: false });
  });
});

describe('UsageQuerySchema', () => {
  it('coerces the page size from the query string and defaults it', () => {
    expect(UsageQuerySchema.parse({ limit: '50' }).limit).toBe(50);
    expect(UsageQuerySchema.parse({}).limit).toBe(20);
  });
  it('rejects from >= to', () => {
    expect(UsageQuerySchema.safeParse({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }).success).toBe(
      false,
    );
  });
  it('resolves the window: the last 24 h by default, the bucket chosen for about 200 points', () => {
    const q = UsageQuerySchema.parse({ to: '2026-01-02T00:00:00Z' });
    expect(q.from).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(q.bucketSeconds).toBe(900);
    expect(UsageQuerySchema.parse({ from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }).bucketSeconds).toBe(
      604_800,
    );
  });
  it('bounds the window to 400 days and an explicit series to 1,500 points, naming the field', () => {
    const fieldOf = (q: Record<string, string>) =>
      UsageQuerySchema.safeParse(q).error?.issues.map((i) => i.path.join('.'));
    expect(fieldOf({ from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' })).toEqual(['from']);
    expect(fieldOf({ from: '2025-01-01T00:00:00Z', to: '2026-02-05T00:00:01Z' })).toEqual(['from']);
    expect(fieldOf({ from: '2025-01-01T00:00:00Z', to: '2026-02-05T00:00:00Z' })).toBeUndefined();
    expect(fieldOf({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T01:00:01Z', bucketSeconds: '60' })).toEqual([
      'bucketSeconds',
    ]);
    expect(fieldOf({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T01:00:00Z', bucketSeconds: '60' })).toBeUndefined();
    expect(fieldOf({ bucketSeconds: '61' })).toEqual(['bucketSeconds']);
    expect(MAX_USAGE_SERIES_POINTS).toBe(1_500);
  });
  it('bounds the admin overview the same way', () => {
    expect(OverviewQuerySchema.safeParse({ from: '0001-01-01T00:00:00Z' }).error?.issues[0]?.path).toEqual(['from']);
  });
});

describe('free-text fields', () => {
  const controls = ['\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f'];

  it('refuse every C0/C1 control character and DEL, naming the field', () => {
    for (const c of controls) {
      for (const [schema, input, path] of [
        [CreateKeyRequestSchema, { name: `a${c}b` }, 'name'],
        [UpdateKeyRequestSchema, { name: `a${c}` }, 'name'],
        [CreateTokenRequestSchema, { name: `${c}x`, scope: 'read' }, 'name'],
        [ListKeysQuerySchema, { search: `a${c}b` }, 'search'],
        [ListUsersQuerySchema, { search: `a${c}b` }, 'search'],
        [AuditQuerySchema, { actorId: `a${c}b` }, 'actorId'],
        [VerifyEmailRequestSchema, { email: 'a@b.co', token: `t${c}` }, 'token'],
        [EmailSignInRequestSchema, { email: `a@b.co${c}` }, 'email'],
      ] as const) {
        const result = (schema as z.ZodType).safeParse(input);
        expect(result.success, `${JSON.stringify(c)} in ${path}`).toBe(false);
        expect(toFieldErrors(result.error!)).toContainEqual({ path, message: NO_CONTROL_CHARACTERS_MESSAGE });
      }
    }
  });

  it('still accept printable Unicode, and trim ordinary spaces', () => {
    expect(CreateKeyRequestSchema.parse({ name: '  Prod – ключ 🔑  ' }).name).toBe('Prod – ключ 🔑');
    expect(CreateKeyRequestSchema.parse({ name: 'a\u00a0b' }).name).toBe('a\u00a0b');
  });
});
