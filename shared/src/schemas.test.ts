import { describe, expect, it } from 'vitest';
import { CreateKeyRequestSchema, EmailSchema, UpdateKeyRequestSchema, UsageQuerySchema } from './schemas.js';
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
});
