import { describe, expect, it } from 'vitest';
import { AccessDenied, type AccessKey, decideAccess } from './access.js';
import { compileAllowList, compileScopes } from './authorize.js';

const NOW = 1_800_000_000_000;
const key = (over: Partial<AccessKey>): AccessKey => ({
  active: true,
  expiresAt: null,
  scopes: null,
  allowList: null,
  previous: null,
  ...over,
});
const orders = { name: 'orders', enabled: true, cost: 2 };
const codeOf = (result: unknown) => (result instanceof AccessDenied ? result.code : 'ok');

describe('decideAccess', () => {
  it('answers the route itself when the key may call it', () => {
    expect(decideAccess(key({}), orders, 'GET', '198.51.100.1', NOW)).toBe(orders);
  });

  it("checks the key's own state before the route, and the route before the key's rules", () => {
    const everything = key({
      active: false,
      expiresAt: NOW,
      previous: { hash: 'h', expiresAt: NOW },
      allowList: compileAllowList(['10.0.0.0/8']),
      scopes: compileScopes([{ route: 'other' }]),
    });
    const steps = [everything, { ...everything, active: true }, { ...everything, active: true, expiresAt: null }];
    expect(steps.map((k) => codeOf(decideAccess(k, null, 'GET', '198.51.100.1', NOW)))).toEqual([
      'KEY_DISABLED',
      'KEY_EXPIRED',
      'ROUTE_NOT_FOUND',
    ]);
    const open = { ...everything, active: true, expiresAt: null };
    expect(codeOf(decideAccess(open, { ...orders, enabled: false }, 'GET', '198.51.100.1', NOW))).toBe(
      'ROUTE_DISABLED',
    );
    expect(decideAccess(open, orders, 'GET', '198.51.100.1', NOW)).toMatchObject({
      code: 'INVALID_API_KEY',
      reason: 'rolled',
    });
    expect(decideAccess({ ...open, previous: null }, orders, 'GET', '198.51.100.1', NOW)).toMatchObject({
      code: 'IP_NOT_ALLOWED',
      reason: 'ip',
    });
    expect(decideAccess({ ...open, previous: null }, orders, 'GET', '10.1.2.3', NOW)).toMatchObject({
      code: 'ROUTE_NOT_ALLOWED',
      reason: 'scope',
    });
  });

  it('refuses a key with an allow-list when the address is not known, and only such a key', () => {
    const listed = key({ allowList: compileAllowList(['10.0.0.0/8']) });
    expect(decideAccess(listed, orders, 'GET', undefined, NOW)).toMatchObject({ code: 'IP_NOT_ALLOWED', reason: 'ip' });
    expect(decideAccess(key({}), orders, 'GET', undefined, NOW)).toBe(orders);
  });

  it('counts a route refusal as no key failure (reason null)', () => {
    expect(decideAccess(key({}), null, 'GET', '::1', NOW)).toMatchObject({ reason: null });
    expect(decideAccess(key({}), { ...orders, enabled: false }, 'GET', '::1', NOW)).toMatchObject({ reason: null });
  });
});
