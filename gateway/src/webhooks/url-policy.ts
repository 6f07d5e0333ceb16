import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may be delivered. A webhook URL is chosen by a user, and the gateway sits inside
 * the operator's network: without a check, `http://169.254.169.254/…` (cloud metadata),
 * `http://localhost:3002/…` (the management API) or `http://10.0.0.5/…` would let a user make the
 * gateway call internal services (SSRF). So only public unicast addresses are allowed, checked
 * twice: when the URL is saved (a clear error) and on every connection, on the addresses DNS gives
 * then (a name that resolved to a public address yesterday may resolve to 127.0.0.1 today).
 * `WEBHOOK_ALLOW_PRIVATE_URLS=true` lifts this for operators whose receivers are internal.
 */

const MAX_URL_LENGTH = 2048;

/** Why a URL cannot be a webhook endpoint, or null when its form is fine (addresses are checked apart). */
export function webhookUrlProblem(raw: string): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL, e.g. https://example.com/webhooks';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https (or http)';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.hash) return 'must not contain a #fragment';
  return null;
}

/** The kind of address `address` is, as ipaddr.js names ranges; IPv4-mapped IPv6 is judged as IPv4. */
function rangeOf(address: string): string | null {
  if (!ipaddr.isValid(address)) return null;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range();
}

/** True for an address a webhook may be delivered to without WEBHOOK_ALLOW_PRIVATE_URLS. */
export function isPublicAddress(address: string): boolean {
  // ipaddr.js calls ordinary public addresses 'unicast'; everything else (private, loopback,
  // linkLocal, uniqueLocal, carrierGradeNat, unspecified, multicast, reserved, 6to4, teredo, …) is not.
  return rangeOf(address) === 'unicast';
}

/** ipaddr.js's range names as people say them. */
const RANGE_WORDS: Readonly<Record<string, string>> = {
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'private (unique local)',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
};

/** "a link-local address": what kind of non-public address `address` is, in words. */
export function describeAddress(address: string): string {
  const range = rangeOf(address) ?? 'unknown';
  const words = RANGE_WORDS[range] ?? `non-public (${range})`;
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words} address`;
}

/** Why a literal address in a URL's host is refused, or null (host names are checked on connect). */
export function hostAddressProblem(hostname: string): string | null {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (!ipaddr.isValid(bare)) {
    return bare === 'localhost' || bare.endsWith('.localhost') ? 'must not point at this machine (localhost)' : null;
  }
  return isPublicAddress(bare) ? null : `must not point at ${describeAddress(bare)} (${bare})`;
}

export class PrivateAddressError extends Error {
  readonly code = 'EWEBHOOKPRIVATE';
  constructor(hostname: string, address: string) {
    super(`webhook host ${hostname} resolves to ${address}, which is not a public address`);
    this.name = 'PrivateAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect (undici passes `connect.lookup` through) that resolves as usual and then
 * refuses every non-public address: the check happens on the addresses actually connected to.
 */
export function publicOnlyLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true } as { all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) return callback(new PrivateAddressError(hostname, refused.address) as NodeJS.ErrnoException, []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}
