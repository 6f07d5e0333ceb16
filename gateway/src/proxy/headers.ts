import type { IncomingHttpHeaders } from 'node:http';
import { setsGatewayCookie } from '../http/gateway-cookies.js';

// RFC 9110 §7.6.1 (https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1): connection-specific
// fields a proxy must not forward, plus the legacy ones every proxy still strips.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

// Fields that tell a server who the client is or what it asked for. Whoever sent them, the
// upstream gets only the X-Forwarded-For/-Proto/-Host the gateway builds (from TRUST_PROXY's
// proxies only): an upstream that believes any of these could otherwise be told a false client
// address (X-Real-IP), scheme, host or even path (X-Original-URL routes in IIS/Symfony).
const FORWARDING = [
  'forwarded',
  'x-forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-forwarded-uri',
  'x-forwarded-path',
  'x-forwarded-client-cert',
  'forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-original-forwarded-for',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-original-host',
  'x-host',
  'x-http-host',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
];

// Fields meant for the gateway itself, or that undici sets from the request it makes.
const NOT_FORWARDED_UPSTREAM = new Set([...HOP_BY_HOP, ...FORWARDING, 'host', 'x-api-key', 'expect', 'http2-settings']);

export type HeaderMap = Record<string, string | string[]>;

const NO_TOKENS: readonly string[] = Object.freeze([]);
// What nearly every client and upstream sends; neither token names a field beyond HOP_BY_HOP.
const PLAIN_CONNECTION = /^\s*(?:keep-alive|close)\s*$/i;

function connectionTokens(value: string | string[] | undefined): readonly string[] {
  // Fast path, taken on almost every request and response: no split, no allocation.
  if (!value || (typeof value === 'string' && PLAIN_CONNECTION.test(value))) return NO_TOKENS;
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.split(',').map((t) => t.trim().toLowerCase());
}

function withoutCookie(cookie: string, name: string): string {
  return cookie
    .split(';')
    .filter((pair) => pair.trim().split('=', 1)[0] !== name)
    .join(';')
    .trim();
}

/**
 * The fields that tell the upstream who is calling (IDENTITY_HEADER_*), lower-case. Whatever a client
 * sends under these names is dropped: only the gateway speaks for the caller's identity.
 */
export interface IdentityHeaderNames {
  keyId: string;
  userId: string;
  plan: string;
}

/** The caller, as the upstream learns it from the identity fields (a `CachedKey` is one). */
export interface Caller {
  /** The key's id. */
  id: string;
  userId: string;
}

/** Request fields never forwarded as the client sent them: those above plus the identity fields. */
export function notForwardedUpstream(identity: IdentityHeaderNames): ReadonlySet<string> {
  return new Set([...NOT_FORWARDED_UPSTREAM, identity.keyId, identity.userId, identity.plan]);
}

export interface ForwardedFor {
  /**
   * X-Forwarded-For as the gateway vouches for it: the client, the trusted proxies in between, and
   * the socket's peer last (`forwardedForValue`). Entries a client wrote itself are not in it.
   */
  forwardedFor: string;
  proto: string;
  host: string | undefined;
  requestId: string;
  /** Cookie set by the gateway's own management API; the upstream has no business seeing it. */
  gatewayCookie: string;
  /** `notForwardedUpstream(identity)`, built once. */
  notForwarded: ReadonlySet<string>;
  identity: IdentityHeaderNames;
  caller: Caller;
  /** The name of the key's plan; the plan field is sent only when it has one. */
  planName: string | null;
}

/**
 * Request headers for the upstream, in one pass: hop-by-hop, gateway-only, forwarding and identity
 * fields out; X-Forwarded-*, X-Request-Id and the caller's identity in.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, fwd: ForwardedFor): HeaderMap {
  const dropped = connectionTokens(incoming.connection);
  const notForwarded = fwd.notForwarded;
  const out: HeaderMap = {};
  for (const name in incoming) {
    if (notForwarded.has(name) || (dropped.length > 0 && dropped.includes(name))) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    if (name === 'cookie' && typeof value === 'string' && value.includes(fwd.gatewayCookie)) {
      const rest = withoutCookie(value, fwd.gatewayCookie);
      if (rest) out.cookie = rest;
      continue;
    }
    out[name] = value;
  }
  out['x-forwarded-for'] = fwd.forwardedFor;
  out['x-forwarded-proto'] = fwd.proto;
  if (fwd.host) out['x-forwarded-host'] = fwd.host;
  out['x-request-id'] = fwd.requestId;
  const { identity, caller } = fwd;
  out[identity.keyId] = caller.id;
  out[identity.userId] = caller.userId;
  if (fwd.planName !== null) out[identity.plan] = fwd.planName;
  return out;
}

/**
 * Appends the upstream's response fields for the client to `out` (a flat `[name, value, …]` list, as
 * `res.writeHead` takes it): hop-by-hop fields, those the upstream's Connection names, and `owned`
 * (fields the gateway sets itself) are left out, and so are `Set-Cookie` values for the gateway's own
 * cookies (`gw_…`): proxied content must not plant a session in the browser. Returns the index in `out` of the Location value,
 * or -1, so the caller can rewrite it.
 */
export function appendClientResponseHeaders(
  out: (string | string[])[],
  upstream: Record<string, string | string[] | undefined>,
  owned: ReadonlySet<string>,
): number {
  let location = -1;
  const dropped = connectionTokens(upstream.connection);
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || owned.has(name) || (dropped.length > 0 && dropped.includes(name))) continue;
    const value = upstream[name];
    if (value === undefined) continue;
    if (name === 'location') location = out.length + 1;
    if (name === 'set-cookie') {
      const kept = (Array.isArray(value) ? value : [value]).filter((c) => !setsGatewayCookie(c));
      if (kept.length > 0) out.push(name, kept);
      continue;
    }
    out.push(name, value);
  }
  return location;
}
