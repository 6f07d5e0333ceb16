import { describe, expect, it } from 'vitest';
import { hasDuplicateHost, isValidHost } from './host.js';

describe('isValidHost', () => {
  it.each([
    'api.example.com',
    'api.example.com:443',
    'localhost:3001',
    '127.0.0.1',
    '127.0.0.1:8080',
    '[::1]',
    '[::1]:3001',
    '[2001:db8::7]:443',
    'xn--bcher-kva.example',
    'under_score.example',
    'a%41b.example',
    'host:', // RFC 3986 §3.2.3: the port may be empty
    '', // RFC 9110 §7.2: empty when the target URI has no authority
  ])('accepts %j', (host) => {
    expect(isValidHost(host)).toBe(true);
  });

  it.each([
    'evil.example:1@good',
    'user@good.example',
    'a/b',
    'good.example/../x',
    'good.example?x',
    'good.example#x',
    'a\\b',
    'a b',
    'h\xf4te',
    'café.example',
    'a%4',
    'a%zz',
    'host:65536',
    'host:123456',
    'host:80:80',
    'host:-1',
    ':80',
    '[::1',
    '[::1]x',
    '[::1]:x',
    '[fe80::1%25eth0]',
    '[v1.x]',
    '[127.0.0.1]',
    '::1',
  ])('refuses %j', (host) => {
    expect(isValidHost(host)).toBe(false);
  });
});

describe('hasDuplicateHost', () => {
  it('finds a second Host field in any letter case', () => {
    expect(hasDuplicateHost(['Host', 'a', 'X-Other', 'b'])).toBe(false);
    expect(hasDuplicateHost(['Host', 'a', 'X-Other', 'b', 'hOsT', 'c'])).toBe(true);
    expect(hasDuplicateHost(['host', 'a', 'host', 'a'])).toBe(true);
    expect(hasDuplicateHost([])).toBe(false);
  });
});
