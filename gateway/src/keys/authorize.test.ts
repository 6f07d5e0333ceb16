import { describe, expect, it } from 'vitest';
import {
  AllowList,
  authorizeRequest,
  compileAllowList,
  compileScopes,
  type KeyAccessRules,
  scopesWithin,
} from './authorize.js';

const rules = (over: Partial<KeyAccessRules>): KeyAccessRules => ({
  scopes: null,
  allowList: null,
  previous: null,
  ...over,
});
const NOW = 1_800_000_000_000;

describe('authorizeRequest', () => {
  it('lets a key without rules do anything', () => {
    expect(authorizeRequest(rules({}), 'default', 'PROPFIND', '198.51.100.1', NOW)).toBeNull();
  });

  it('allows the scoped methods, HEAD with GET, and other methods only where every method is allowed', () => {
    const key = rules({ scopes: compileScopes([{ route: 'a', methods: ['GET'] }, { route: 'b' }]) });
    const code = (route: string, method: string) => authorizeRequest(key, route, method, '::1', NOW)?.code ?? 'ok';
    expect(['GET', 'HEAD', 'POST', 'PROPFIND'].map((m) => code('a', m))).toEqual([
      'ok',
      'ok',
      'ROUTE_NOT_ALLOWED',
      'ROUTE_NOT_ALLOWED',
    ]);
    expect(['GET', 'DELETE', 'PROPFIND'].map((m) => code('b', m))).toEqual(['ok', 'ok', 'ok']);
    expect(code('c', 'GET')).toBe('ROUTE_NOT_ALLOWED');
  });

  it('fails closed on stored scopes it cannot read', () => {
    const key = rules({ scopes: compileScopes({ route: 'a' }) });
    expect(authorizeRequest(key, 'a', 'GET', '::1', NOW)?.code).toBe('ROUTE_NOT_ALLOWED');
  });

  it('refuses a replaced secret from its deadline on, and only then', () => {
    const key = rules({ previous: { hash: 'h', expiresAt: NOW } });
    expect(authorizeRequest(key, 'a', 'GET', '::1', NOW - 1)).toBeNull();
    expect(authorizeRequest(key, 'a', 'GET', '::1', NOW)).toMatchObject({ code: 'INVALID_API_KEY', reason: 'rolled' });
  });
});

describe('AllowList', () => {
  it('treats IPv4-mapped addresses and entries as IPv4', () => {
    const list = new AllowList(['10.0.0.0/8', '::ffff:192.0.2.0/120', '2001:db8::/32']);
    expect(['10.1.2.3', '::ffff:10.1.2.3', '192.0.2.9', '2001:db8::1'].map((ip) => list.allows(ip))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['11.0.0.1', '2001:db9::1', '::1', 'garbage', ''].map((ip) => list.allows(ip))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('answers the same after its memo of addresses fills up', () => {
    const list = new AllowList(['10.0.0.0/24']);
    for (let i = 0; i < 600; i++) expect(list.allows(`10.0.${i % 3}.${i % 250}`)).toBe(i % 3 === 0);
  });

  it('knows which lists lie within others', () => {
    const wide = new AllowList(['10.0.0.0/8', '2001:db8::/32']);
    expect(new AllowList(['10.1.0.0/16', '10.2.3.4', '2001:db8:1::/48']).within(wide)).toBe(true);
    expect(new AllowList(['10.0.0.0/7']).within(wide)).toBe(false);
    expect(new AllowList(['192.0.2.1']).within(wide)).toBe(false);
  });

  it('compiles an empty stored list to "every address" and an unreadable one to "none"', () => {
    expect(compileAllowList([])).toBeNull();
    expect(compileAllowList(['nonsense'])?.allows('10.0.0.1')).toBe(false);
    expect(() => new AllowList(['nonsense'])).toThrow('"nonsense" is not an IPv4 or IPv6 address or CIDR subnet');
  });
});

describe('scopesWithin', () => {
  it('compares routes and methods', () => {
    const wide = compileScopes([{ route: 'a', methods: ['GET', 'POST'] }, { route: 'b' }]);
    expect(scopesWithin(compileScopes([{ route: 'a', methods: ['GET'] }, { route: 'b' }]), wide)).toBe(true);
    expect(scopesWithin(compileScopes([{ route: 'a' }]), wide)).toBe(false);
    expect(scopesWithin(compileScopes([{ route: 'c' }]), wide)).toBe(false);
    expect(scopesWithin(null, wide)).toBe(false);
    expect(scopesWithin(null, null)).toBe(true);
  });
});
