import { describe, expect, it } from 'vitest';
import { AuthFailureThrottle, addressPrefix } from './auth-throttle.js';

describe('addressPrefix', () => {
  it('groups IPv4 by /24 and IPv6 by /64, IPv4-mapped IPv6 as IPv4', () => {
    expect(addressPrefix('198.51.100.7', 24, 64)).toBe('198.51.100.0/24');
    expect(addressPrefix('::ffff:198.51.100.200', 24, 64)).toBe('198.51.100.0/24');
    expect(addressPrefix('2001:db8:1:2:aaaa::1', 24, 64)).toBe('2001:db8:1:2::/64');
    expect(addressPrefix('2001:db8:1:2:bbbb:cccc:dddd:eeee', 24, 64)).toBe('2001:db8:1:2::/64');
    expect(addressPrefix('2001:db8:1:3::1', 24, 64)).toBe('2001:db8:1:3::/64');
  });

  it('honours other prefix lengths, including ones inside a byte', () => {
    expect(addressPrefix('198.51.100.7', 32, 64)).toBe('198.51.100.7/32');
    expect(addressPrefix('198.51.100.7', 20, 64)).toBe('198.51.96.0/20');
    expect(addressPrefix('2001:db8:abcd:ef01::1', 24, 48)).toBe('2001:db8:abcd::/48');
    expect(addressPrefix('2001:db8:abcd:ef01::1', 24, 128)).toBe('2001:db8:abcd:ef01::1/128');
  });

  it('keeps anything that is not an address as its own bucket', () => {
    expect(addressPrefix('unknown', 24, 64)).toBe('unknown');
  });
});

describe('AuthFailureThrottle', () => {
  it('counts the failures of one network together and forgets them after a minute', () => {
    let now = 0;
    const throttle = new AuthFailureThrottle({ limitPerMinute: 3, prefixV4: 24, prefixV6: 64, clock: () => now });
    for (const ip of ['203.0.113.1', '203.0.113.2', '::ffff:203.0.113.3']) throttle.fail(ip);
    expect(throttle.retryAfter('203.0.113.250')).toBe(60);
    expect(throttle.retryAfter('203.0.114.1')).toBe(0);
    now = 60_000;
    expect(throttle.retryAfter('203.0.113.250')).toBe(0);
  });
});
