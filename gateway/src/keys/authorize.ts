import { type ErrorCode, SCOPE_METHODS } from '@gateway/shared';
import ipaddr from 'ipaddr.js';

/**
 * Per-key access rules, compiled once when a key enters the cache (never per request): scopes as
 * route name → bitmask of allowed methods, the IP allow-list as parsed ranges with a small memo of
 * answers, and the deadline of a rolled secret's grace period.
 */

const METHOD_BIT: Readonly<Record<string, number>> = Object.assign(
  Object.create(null),
  Object.fromEntries(SCOPE_METHODS.map((m, i) => [m, 1 << i])),
);
// Methods no scope can name (PROPFIND, TRACE, …) are allowed only where a scope allows every method.
const OTHER_METHOD_BIT = 1 << 30;
const ALL_METHODS = 0x7fff_ffff;

/** Route name → bitmask of the methods allowed on it. */
export type ScopeMap = ReadonlyMap<string, number>;

/**
 * The stored `scopes` JSON (`[{route, methods?}]`, validated by the contract when it was set) as a
 * ScopeMap; null allows every route. Anything else denies every route: a key fails closed.
 */
export function compileScopes(stored: unknown): ScopeMap | null {
  if (stored === null || stored === undefined) return null;
  const map = new Map<string, number>();
  if (!Array.isArray(stored)) return map;
  for (const scope of stored as { route?: unknown; methods?: unknown }[]) {
    if (typeof scope?.route !== 'string') continue;
    map.set(scope.route, (map.get(scope.route) ?? 0) | methodMask(scope.methods));
  }
  return map;
}

function methodMask(methods: unknown): number {
  if (!Array.isArray(methods)) return ALL_METHODS;
  let mask = 0;
  for (const m of methods) mask |= METHOD_BIT[m as string] ?? 0;
  // RFC 9110 §9.3.2: HEAD is GET without the body; whoever may GET may HEAD.
  if (mask & METHOD_BIT.GET!) mask |= METHOD_BIT.HEAD!;
  return mask;
}

/** True when every route and method `narrower` allows, `wider` allows too (null: everything). */
export function scopesWithin(narrower: ScopeMap | null, wider: ScopeMap | null): boolean {
  if (wider === null) return true;
  if (narrower === null) return false;
  for (const [route, mask] of narrower) {
    const allowed = wider.get(route);
    if (allowed === undefined || (mask & ~allowed) !== 0) return false;
  }
  return true;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
const MEMO_MAX = 256;

/** An IP allow-list: IPv4 and IPv6 ranges; IPv4-mapped IPv6 entries and addresses count as IPv4. */
export class AllowList {
  private readonly v4: Range[] = [];
  private readonly v6: Range[] = [];
  // A key is used from few addresses: remember answers rather than parse the address per request.
  private readonly memo = new Map<string, boolean>();

  /** Throws a TypeError naming the entry that is not an address or CIDR subnet. */
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const range = parseRange(entry);
      if (range[0].kind() === 'ipv4') this.v4.push(range);
      else this.v6.push(range);
    }
  }

  allows(ip: string): boolean {
    let allowed = this.memo.get(ip);
    if (allowed === undefined) {
      allowed = this.match(ip);
      // Addresses come from clients (X-Forwarded-For behind a trusted proxy): bound the memo.
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(ip, allowed);
    }
    return allowed;
  }

  /** True when every address this list allows, `wider` allows too. */
  within(wider: AllowList): boolean {
    return [...this.v4, ...this.v6].every(([addr, bits]) =>
      (addr.kind() === 'ipv4' ? wider.v4 : wider.v6).some(
        ([wAddr, wBits]) => bits >= wBits && (addr as ipaddr.IPv4).match(wAddr as ipaddr.IPv4, wBits),
      ),
    );
  }

  private match(ip: string): boolean {
    if (!ipaddr.isValid(ip)) return false;
    const addr = ipaddr.process(ip); // ::ffff:a.b.c.d → a.b.c.d
    const ranges = addr.kind() === 'ipv4' ? this.v4 : this.v6;
    for (const [base, bits] of ranges) if ((addr as ipaddr.IPv4).match(base as ipaddr.IPv4, bits)) return true;
    return false;
  }
}

function parseRange(entry: string): Range {
  let range: Range;
  try {
    range = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32];
  } catch {
    throw new TypeError(`"${entry}" is not an IPv4 or IPv6 address or CIDR subnet`);
  }
  const [addr, bits] = range;
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return range;
}

/** The stored allow-list compiled, or null (every address) when it is empty. */
export function compileAllowList(stored: readonly string[]): AllowList | null {
  if (stored.length === 0) return null;
  try {
    return new AllowList(stored);
  } catch {
    return new AllowList([]); // unparseable (cannot come through the API): allow no address
  }
}

/** The rules a cached key carries (see key-store.ts). */
export interface KeyAccessRules {
  scopes: ScopeMap | null;
  allowList: AllowList | null;
  /** Set when the presented secret is the one a roll replaced: it stops working at `expiresAt`. */
  previous: { hash: string; expiresAt: number } | null;
}

/**
 * Why an authenticated key may not make a request: the problem code and detail, and the
 * `gateway_auth_failures_total` reason (null for refusals about the route rather than the key).
 */
export class AccessDenied {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly reason: 'disabled' | 'expired' | 'rolled' | 'ip' | 'scope' | null,
  ) {}
}

const GRACE_OVER = new AccessDenied(
  'INVALID_API_KEY',
  'This API key was rolled and its grace period has ended; use the new key.',
  'rolled',
);
// A key with an allow-list fails closed when the address is not known (only POST /keys/verify can omit it).
const IP_UNKNOWN = new AccessDenied(
  'IP_NOT_ALLOWED',
  'This API key has an IP allow-list: pass the client address as "ip".',
  'ip',
);

/**
 * May this key call `route` with `method` from `ip` now? Null when it may; otherwise why not. Runs
 * after the key is authenticated (active, not expired) and before anything is counted: a refused
 * request costs no quota. A key without rules costs three comparisons.
 */
export function authorizeRequest(
  key: KeyAccessRules,
  route: string,
  method: string,
  /** The client's address; undefined when not known (`POST /keys/verify` without `ip`). */
  ip: string | undefined,
  now: number,
): AccessDenied | null {
  // Checked here, per request, so a cached old secret stops at its deadline without any event.
  if (key.previous !== null && key.previous.expiresAt <= now) return GRACE_OVER;
  if (key.allowList !== null) {
    if (ip === undefined) return IP_UNKNOWN;
    if (!key.allowList.allows(ip)) {
      return new AccessDenied('IP_NOT_ALLOWED', `This API key may not be used from ${ip}.`, 'ip');
    }
  }
  if (key.scopes !== null) {
    const allowed = key.scopes.get(route);
    if (allowed === undefined) {
      return new AccessDenied('ROUTE_NOT_ALLOWED', `This API key may not call route "${route}".`, 'scope');
    }
    if ((allowed & (METHOD_BIT[method] ?? OTHER_METHOD_BIT)) === 0) {
      return new AccessDenied(
        'ROUTE_NOT_ALLOWED',
        `This API key may not call route "${route}" with ${method}.`,
        'scope',
      );
    }
  }
  return null;
}
