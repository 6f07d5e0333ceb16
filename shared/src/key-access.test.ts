import { describe, expect, it } from 'vitest';
import { AllowedIpsSchema, KeyScopesSchema, RollKeyRequestSchema } from './key-access.js';
import { toFieldErrors } from './validation.js';

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
