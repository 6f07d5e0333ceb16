import { isIPv6 } from 'node:net';

// RFC 3986 §3.2.2 reg-name: unreserved / pct-encoded / sub-delims. Also covers IPv4 literals, which
// are digits and dots. Anything else — `@`, `/`, `?`, `#`, `\`, spaces, raw non-ASCII bytes — would
// change what a URL built from the host points at (`evil.example:1@good`, `a/b`).
const REG_NAME = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%") {
  REG_NAME[c.charCodeAt(0)] = 1;
}

const isHexDigit = (c: number) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

function isRegName(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || REG_NAME[c] === 0) return false;
    if (c === 37 /* % */ && !(isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2)) && i + 2 < end)) {
      return false;
    }
  }
  return true;
}

/** `*DIGIT` per RFC 3986 §3.2.3, bounded to a real TCP port. */
function isPort(s: string, from: number): boolean {
  const digits = s.length - from;
  if (digits > 5) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return digits === 0 || Number(s.slice(from)) <= 65535;
}

/**
 * Whether `value` is a valid Host field value (RFC 9110 §7.2: `uri-host [ ":" port ]`): a reg-name
 * or IPv4 address, or an IPv6 address in brackets. IPvFuture literals and zone identifiers are
 * refused (nothing legitimate sends them to an HTTP API), and so is a port without a host.
 */
export function isValidHost(value: string): boolean {
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf(']');
    const address = value.slice(1, close);
    if (close === -1 || address.includes('%') || !isIPv6(address)) return false;
    if (close === value.length - 1) return true;
    return value.charCodeAt(close + 1) === 58 /* : */ && isPort(value, close + 2);
  }
  const colon = value.indexOf(':');
  if (colon === -1) return isRegName(value, value.length);
  return colon > 0 && isRegName(value, colon) && isPort(value, colon + 1);
}

/** Whether the request carried more than one Host field (Node keeps only the first in `headers`). */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
