import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

export interface AuthFailureThrottleOptions {
  limitPerMinute: number;
  /** Prefix length that groups IPv4 addresses (24: a /24 counts as one client). */
  prefixV4: number;
  /** Prefix length that groups IPv6 addresses (64: one subscriber usually holds a whole /64). */
  prefixV6: number;
  clock?: () => number;
}

/**
 * The network an address is counted under: `198.51.100.0/24`, `2001:db8:1:2::/64`. IPv4-mapped
 * IPv6 (`::ffff:198.51.100.7`, what a dual-stack socket reports) counts as IPv4. Anything that is
 * not an address is its own bucket.
 */
export function addressPrefix(ip: string, prefixV4: number, prefixV6: number): string {
  if (!ipaddr.isValid(ip)) return ip;
  const addr = ipaddr.process(ip);
  const bits = addr.kind() === 'ipv4' ? prefixV4 : prefixV6;
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(8, Math.max(0, bits - i * 8));
    bytes[i]! &= (0xff00 >> keep) & 0xff;
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}

/**
 * Slows key guessing: counts rejected API keys per client network (IPv4 /24, IPv6 /64 by default:
 * one attacker easily holds many addresses of one network, and on IPv6 a whole /64) in fixed
 * one-minute windows and refuses further attempts from a network over the limit before any lookup.
 * In-process per replica — a guesser spread over many replicas gets `replicas × limit`; the global
 * unknown-key lookup budget (KeyStore) bounds what many networks together cost the database.
 */
export class AuthFailureThrottle {
  private readonly windows = new LRUCache<string, { start: number; count: number }>({ max: 100_000 });
  private readonly clock: () => number;

  constructor(private readonly options: AuthFailureThrottleOptions) {
    this.clock = options.clock ?? Date.now;
  }

  private prefixOf(ip: string): string {
    return addressPrefix(ip, this.options.prefixV4, this.options.prefixV6);
  }

  /** Seconds the address's network must wait, or 0 when it may try. */
  retryAfter(ip: string): number {
    if (this.windows.size === 0) return 0;
    const w = this.windows.get(this.prefixOf(ip));
    if (!w) return 0;
    const elapsed = this.clock() - w.start;
    if (elapsed >= 60_000) return 0;
    return w.count >= this.options.limitPerMinute ? Math.ceil((60_000 - elapsed) / 1000) : 0;
  }

  fail(ip: string): void {
    const now = this.clock();
    const prefix = this.prefixOf(ip);
    const w = this.windows.get(prefix);
    if (!w || now - w.start >= 60_000) this.windows.set(prefix, { start: now, count: 1 });
    else w.count++;
  }
}
