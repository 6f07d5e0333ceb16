import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createTrustProxy, forwardedForValue, parseTrustProxy } from './trust-proxy.js';

/** Just the parts of a request the trust-proxy rules read. */
function request(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  const rawHeaders = Object.entries(headers).flat();
  return { socket: { remoteAddress: peer }, headers, rawHeaders } as unknown as IncomingMessage;
}

describe('createTrustProxy', () => {
  const loopback = createTrustProxy(parseTrustProxy('loopback'));

  it('believes X-Forwarded-* only from a trusted peer', () => {
    const headers = {
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example',
    };
    const viaProxy = request('127.0.0.1', { host: 'gw:3001', ...headers });
    expect(loopback.clientIp(viaProxy)).toBe('203.0.113.7');
    expect(loopback.isSecure(viaProxy)).toBe(true);
    expect(loopback.publicHost(viaProxy)).toBe('api.example');
    const direct = request('198.51.100.9', { host: 'gw:3001', ...headers });
    expect(loopback.clientIp(direct)).toBe('198.51.100.9');
    expect(loopback.isSecure(direct)).toBe(false);
    expect(loopback.publicHost(direct)).toBe('gw:3001');
  });

  it('stops at the first untrusted hop: what lies left of it was written by the client', () => {
    const req = request('127.0.0.1', { 'x-forwarded-for': '192.0.2.1, 203.0.113.7, 10.0.0.2' });
    const trusted = createTrustProxy(parseTrustProxy('loopback,10.0.0.0/8'));
    expect(trusted.addresses(req)).toEqual(['127.0.0.1', '10.0.0.2', '203.0.113.7']);
    expect(forwardedForValue(trusted.addresses(req))).toBe('203.0.113.7, 10.0.0.2, 127.0.0.1');
    expect(createTrustProxy(parseTrustProxy('1')).clientIp(req)).toBe('10.0.0.2');
    expect(createTrustProxy(parseTrustProxy('true')).clientIp(req)).toBe('192.0.2.1');
    expect(createTrustProxy(parseTrustProxy('false')).addresses(req)).toEqual(['127.0.0.1']);
  });

  it('treats an IPv4-mapped peer like its IPv4 address', () => {
    expect(loopback.clientIp(request('::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe('203.0.113.7');
  });

  it('names what is wrong with the host', () => {
    expect(loopback.hostProblem(request('198.51.100.9', { host: 'api.example:443' }))).toBeUndefined();
    expect(loopback.hostProblem(request('198.51.100.9', { host: 'a/b' }))).toMatch(
      /Host header is not valid|not a valid/,
    );
    const twice = { headers: { host: 'a' }, rawHeaders: ['Host', 'a', 'Host', 'b'], socket: { remoteAddress: '::1' } };
    expect(loopback.hostProblem(twice as unknown as IncomingMessage)).toMatch(/more than one Host/);
    // A bad X-Forwarded-Host matters only when it would be believed.
    const xfh = { host: 'gw', 'x-forwarded-host': 'evil.example:1@good' };
    expect(loopback.hostProblem(request('127.0.0.1', xfh))).toMatch(/X-Forwarded-Host/);
    expect(loopback.hostProblem(request('198.51.100.9', xfh))).toBeUndefined();
  });
});
