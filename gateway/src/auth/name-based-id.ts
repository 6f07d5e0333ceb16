import { createHash } from 'node:crypto';

// A fixed namespace for the gateway's name-based ids (RFC 9562 §5.5, UUIDv5).
const NAMESPACE = Buffer.from('6f1c2a4e9b3d4c8a8e7f0a1b2c3d4e5f', 'hex');

/**
 * A UUIDv5 for a name: the rate limiter keys its windows by UUID (and only UUIDs reach Redis key
 * names), so sign-in throttles use the id of `sign-in-email:<email>` — never the address itself.
 */
export function nameBasedId(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
