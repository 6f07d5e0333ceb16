import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, retryDelayMs } from './backoff.js';
import { generateWebhookSecret, isWebhookSecret, webhookHeaders } from './signature.js';
import {
  hostAddressProblem,
  isPublicAddress,
  PrivateAddressError,
  publicOnlyLookup,
  webhookUrlProblem,
} from './url-policy.js';

describe('webhook signatures (Standard Webhooks)', () => {
  it('verify with the reference library, for each secret of a rotation', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const body = JSON.stringify({ type: 'key.created', data: { id: 'k1' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([current, previous], 'msg_1', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    // A receiver that knows either secret accepts the delivery; one that knows neither refuses it.
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    // A changed body or id fails.
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(current).verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow();
  });

  it('makes secrets of the spec’s form, and recognises them', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isWebhookSecret(secret)).toBe(true);
    expect(generateWebhookSecret()).not.toBe(secret);
    expect(isWebhookSecret('whsec_short')).toBe(false);
    expect(isWebhookSecret(secret.slice('whsec_'.length))).toBe(false);
  });
});

describe('webhook retries', () => {
  it('back off from seconds to hours, about a day in all, then stop', () => {
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20 * 3_600_000);
    expect(total).toBeLessThan(24 * 3_600_000);
    for (let i = 1; i < RETRY_DELAYS_MS.length; i++)
      expect(RETRY_DELAYS_MS[i]!).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i - 1]!);
    expect(retryDelayMs(1, () => 0)).toBe(4_500);
    expect(retryDelayMs(1, () => 0.999_999)).toBe(5_500);
    expect(retryDelayMs(MAX_ATTEMPTS - 1, () => 0.5)).toBe(8 * 3_600_000);
    expect(retryDelayMs(MAX_ATTEMPTS, () => 0.5)).toBeNull();
  });
});

describe('webhook URL policy (SSRF)', () => {
  it('accepts http(s) URLs and explains what it refuses', () => {
    expect(webhookUrlProblem('https://hooks.example.com/in?x=1')).toBeNull();
    expect(webhookUrlProblem('ftp://example.com/')).toMatch(/https/);
    expect(webhookUrlProblem('https://user:pw@example.com/')).toMatch(/password/);
    expect(webhookUrlProblem('https://example.com/#x')).toMatch(/fragment/);
    expect(webhookUrlProblem('example.com/hook')).toMatch(/absolute URL/);
    expect(webhookUrlProblem(`https://example.com/${'a'.repeat(2100)}`)).toMatch(/2048/);
  });

  it('only public unicast addresses, IPv4-mapped IPv6 judged as IPv4', () => {
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    expect(hostAddressProblem('169.254.169.254')).toBe('must not point at a link-local address (169.254.169.254)');
    expect(hostAddressProblem('[::1]')).toBe('must not point at a loopback address (::1)');
    expect(hostAddressProblem('fd00::1')).toBe('must not point at a private (unique local) address (fd00::1)');
    expect(hostAddressProblem('localhost')).toMatch(/localhost/);
    expect(hostAddressProblem('hooks.example.com')).toBeNull();
  });

  it('refuses, at connect time, a host name that resolves to a private address', async () => {
    const server = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const guarded = new Agent({ connect: { lookup: publicOnlyLookup } });
    const open = new Agent();
    try {
      await expect(request(`http://localhost:${port}/`, { dispatcher: guarded })).rejects.toThrow(PrivateAddressError);
      // The same request without the guard reaches the server: the refusal is the lookup's doing.
      const reached = await request(`http://localhost:${port}/`, { dispatcher: open });
      expect(await reached.body.text()).toBe('reached');
    } finally {
      await Promise.all([guarded.close(), open.close()]);
      server.close();
    }
  });
});
