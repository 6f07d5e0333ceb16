// What the routing checks of the TLS fronts (Caddyfile, nginx, Ingress) share: a request, where a front
// sends it, and the path normalisation the fronts apply before matching.
import { BlockList, isIP } from 'node:net';

/** A request as a front sees it: the raw path (as sent) and the client's address. */
export interface FrontRequest {
  host: string;
  path: string;
  remoteAddress: string;
}

/** Where a front sends a request: an upstream `host:port`, or nothing (answered by the front itself). */
export type Upstream = { host: string; port: number } | null;

/** `host:port` (or a URL) as an upstream. */
export function parseUpstream(target: string): { host: string; port: number } {
  const url = new URL(/^[a-z]+:\/\//.test(target) ? target : `http://${target}`);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

/**
 * The path a front matches against: percent-decoded, `.`/`..` resolved, repeated slashes merged (what
 * nginx does with merge_slashes on, and what Caddy's path matcher does). Null when `..` climbs above
 * the root (both fronts refuse such requests).
 */
export function normalizedPath(raw: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.split('?')[0] ?? '');
  } catch {
    return null;
  }
  const out: string[] = [];
  const segments = decoded.split('/').filter((s) => s !== '');
  for (const segment of segments) {
    if (segment === '.') continue;
    if (segment === '..') {
      if (!out.length) return null;
      out.pop();
      continue;
    }
    out.push(segment);
  }
  const trailing = decoded.endsWith('/') && out.length > 0 ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}

/** A set of addresses and CIDRs (IPv4 and IPv6), as allow-lists write them. */
export function addressSet(entries: string[]): { has(address: string): boolean } {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (!family) throw new Error(`not an address or CIDR: ${entry}`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return { has: (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4') };
}
