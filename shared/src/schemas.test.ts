import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AllowedIpsSchema,
  AuditQuerySchema,
  CreateKeyRequestSchema,
  CreateTokenRequestSchema,
  EmailSchema,
  EmailSignInRequestSchema,
  KeyScopesSchema,
  ListKeysQuerySchema,
  ListUsersQuerySchema,
  NO_CONTROL_CHARACTERS_MESSAGE,
  OverviewQuerySchema,
  RollKeyRequestSchema,
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

describe('KeyScopesSchema', () => {
  it('keeps methods in one order without duplicates, and leaves "every method" as absent', () => {
    expect(KeyScopesSchema.parse([{ route: 'b', methods: ['POST', 'GET', 'POST'] }, { route: 'default' }])).toEqual([
      { route: 'b', methods: ['GET', 'POST'] },
      { route: 'default' },
    ]);
  });
  it('names a route listed twice', () => {
    const result = KeyScopesSchema.safeParse([{ route: 'a' }, { route: 'a', methods: ['GET'] }]);
    expect(toFieldErrors(result.error!)).toEqual([{ path: '1.route', message: 'lists route "a" twice' }]);
  });
  it('refuses lower-case methods and more than 100 routes', () => {
    expect(KeyScopesSchema.safeParse([{ route: 'a', methods: ['get'] }]).success).toBe(false);
    expect(KeyScopesSchema.safeParse(Array.from({ length: 101 }, (_, i) => ({ route: `r${i}` }))).success).toBe(false);
  });
});

describe('AllowedIpsSchema', () => {
  it('accepts IPv4 and IPv6 addresses and subnets, IPv4-mapped ones included', () => {
    const list = ['203.0.113.7', '10.0.0.0/8', '::1', '2001:db8::/32', '::ffff:192.0.2.1', '::ffff:192.0.2.0/120'];
    expect(AllowedIpsSchema.parse(list)).toEqual(list);
  });
  it.each(['10.0.0.0/33', '2001:db8::/129', '999.1.1.1', '01.2.3.4', ' 10.0.0.1', 'fe80::1%eth0', 'localhost', ''])(
    'refuses %j',
    (entry) => {
      const result = AllowedIpsSchema.safeParse([entry]);
      expect(result.success).toBe(false);
      expect(toFieldErrors(result.error!)[0]!.path).toBe('0');
    },
  );
});

describe('RollKeyRequestSchema', () => {
  it('takes 0 to 30 days of grace, in whole seconds', () => {
    expect(RollKeyRequestSchema.parse({ graceSeconds: 0 })).toEqual({ graceSeconds: 0 });
    expect(RollKeyRequestSchema.parse({ graceSeconds: 2_592_000 })).toEqual({ graceSeconds: 2_592_000 });
    for (const graceSeconds of [-1, 2_592_001, 0.5, '60', null]) {
      expect(RollKeyRequestSchema.safeParse({ graceSeconds }).success).toBe(false);
    }
  });
});
