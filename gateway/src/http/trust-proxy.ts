import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import { hasDuplicateHost, isValidHost } from './host.js';

/** TRUST_PROXY parsed: trust everything / nothing, the nearest N hops, or these addresses and subnets. */
export type TrustProxySetting = boolean | number | readonly string[];
/** Express's compiled `trust proxy` function: is the address `hop` steps away from us a trusted proxy? */
export type TrustFn = (addr: string, hop: number) => boolean;

const MAX_HOPS = 100;
const MEMO_MAX = 1024;

/**
 * Parses TRUST_PROXY: `true`, `false`, a hop count, or a comma-separated list of addresses, CIDR
 * subnets and proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`). Throws a TypeError
 * naming what is wrong.
 */
export function parseTrustProxy(value: string): TrustProxySetting {
  const v = value.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > MAX_HOPS) throw new TypeError(`hop count must be at most ${MAX_HOPS}`);
    return hops;
  }
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new TypeError('must name at least one address or subnet');
  proxyAddr.compile(list); // throws "invalid IP address: …" / "invalid range on address: …"
  return list;
}

/** The trust function, as Express compiles `trust proxy` (so `req.ip` and the proxy agree). */
export function compileTrust(setting: TrustProxySetting): TrustFn {
  if (setting === true) return () => true;
  if (setting === false || setting === 0) return () => false;
  if (typeof setting === 'number') return (_addr, hop) => hop < setting;
  const compiled = proxyAddr.compile([...setting]);
  // proxy-addr parses the address on every call (~1 µs), and every request behind a proxy asks about
  // the same few peers: remember answers (the hop number does not matter for an address list).
  const known = new Map<string, boolean>();
  return (addr) => {
    let trusted = known.get(addr);
    if (trusted === undefined) {
      trusted = compiled(addr, 0);
      // X-Forwarded-For entries are the client's choice: bound the memory they can take.
      if (known.size >= MEMO_MAX) known.clear();
      known.set(addr, trusted);
    }
    return trusted;
  };
}

/**
 * How a request reached the gateway, believing forwarding headers only from trusted proxies: the
 * one place that reads X-Forwarded-For/-Proto/-Host. The management listener gets the same
 * function as Express's `trust proxy`, so `req.ip` there agrees with `clientIp` here.
 */
export interface TrustProxy {
  /** For `app.set('trust proxy', …)`. */
  trust: TrustFn;
  /**
   * The addresses the request passed through, nearest first, up to and including the first one not
   * trusted (the client): the socket's peer, then X-Forwarded-For from right to left while each hop
   * is trusted. Entries to the left of the client were written by the client and are not included.
   */
  addresses(req: IncomingMessage): string[];
  clientIp(req: IncomingMessage): string;
  /** TLS to the gateway, or `X-Forwarded-Proto: https` from a trusted proxy. */
  isSecure(req: IncomingMessage): boolean;
  /** The host the client asked for: a trusted X-Forwarded-Host (first value), else Host. */
  publicHost(req: IncomingMessage): string | undefined;
  /** Why the request's Host (or a trusted X-Forwarded-Host) is unusable, or undefined if it is fine. */
  hostProblem(req: IncomingMessage): string | undefined;
}

const firstValue = (list: string) => {
  const comma = list.indexOf(',');
  return (comma === -1 ? list : list.slice(0, comma)).trim();
};

export function createTrustProxy(setting: TrustProxySetting): TrustProxy {
  const trust = compileTrust(setting);
  const trustsPeer = (req: IncomingMessage) => trust(req.socket.remoteAddress ?? '', 0);
  /** A trusted proxy's X-Forwarded-Host, first value; undefined if absent or not from a trusted peer. */
  const forwardedHost = (req: IncomingMessage) => {
    const value = req.headers['x-forwarded-host'];
    return typeof value === 'string' && trustsPeer(req) ? firstValue(value) || undefined : undefined;
  };
  const addresses = (req: IncomingMessage): string[] => {
    const peer = req.socket.remoteAddress;
    // No forwarding header, or nobody we trust wrote it: the peer is the client (no parsing).
    if (peer === undefined) return ['unknown'];
    if (req.headers['x-forwarded-for'] === undefined || !trust(peer, 0)) return [peer];
    return proxyAddr.all(req, trust);
  };
  return {
    trust,
    addresses,
    clientIp(req) {
      const chain = addresses(req);
      return chain[chain.length - 1]!;
    },
    isSecure(req) {
      if ((req.socket as { encrypted?: boolean }).encrypted) return true;
      const proto = req.headers['x-forwarded-proto'];
      return typeof proto === 'string' && trustsPeer(req) && firstValue(proto).toLowerCase() === 'https';
    },
    publicHost(req) {
      return forwardedHost(req) ?? (req.headers.host || undefined);
    },
    hostProblem(req) {
      const host = req.headers.host;
      if (host !== undefined && !isValidHost(host)) return 'The Host header is not a valid host[:port].';
      if (hasDuplicateHost(req.rawHeaders)) return 'The request has more than one Host header.';
      const forwarded = req.headers['x-forwarded-host'] === undefined ? undefined : forwardedHost(req);
      if (forwarded !== undefined && !isValidHost(forwarded)) {
        return 'The X-Forwarded-Host header is not a valid host[:port].';
      }
      return undefined;
    },
  };
}

/** X-Forwarded-For for the upstream: the trusted chain, client first, this hop's peer last. */
export function forwardedForValue(addresses: readonly string[]): string {
  if (addresses.length === 1) return addresses[0]!;
  let value = addresses[addresses.length - 1]!;
  for (let i = addresses.length - 2; i >= 0; i--) value += `, ${addresses[i]}`;
  return value;
}
