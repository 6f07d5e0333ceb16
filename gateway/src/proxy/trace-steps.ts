import type { IncomingMessage } from 'node:http';
import type { CachedKey } from '../keys/key-store.js';
import type { RateLimitDecision } from '../ratelimit/index.js';
import type { ProxyTracing, RequestTrace, TraceStep } from '../tracing/index.js';
import { storedPath } from '../usage/stored-path.js';
import type { UpstreamExchange } from './forward.js';
import { PROXY_PREFIX, type ProxyRoute } from './route-table.js';
import type { Upstream } from './upstream.js';

/*
 * What the proxy's spans say (README "Tracing"). Only called when tracing is on: the handler holds
 * no trace otherwise. Attributes follow the HTTP semantic conventions where one fits, and name the
 * gateway's own concepts `gateway.*`. Never the raw key, its hash, a query string or a header value.
 */

export const ATTR_ROUTE = 'gateway.route';
export const ATTR_KEY_ID = 'gateway.key.id';
export const ATTR_USER_ID = 'gateway.user.id';
export const ATTR_PLAN = 'gateway.plan';
export const ATTR_REQUEST_ID = 'gateway.request_id';
export const ATTR_REFUSED = 'gateway.refused';
export const ATTR_LIMIT_DECISION = 'gateway.rate_limit.decision';
export const ATTR_LIMIT_BACKEND = 'gateway.rate_limit.backend';
export const ATTR_LIMIT_REFUSED_BY = 'gateway.rate_limit.refused_by';
export const ATTR_LIMIT_SHADOW_REFUSED = 'gateway.rate_limit.shadow_refused';
export const ATTR_LIMIT_COST = 'gateway.rate_limit.cost';
export const ATTR_UPSTREAM_LATENCY = 'gateway.upstream.latency_ms';

/**
 * The request's server span. Its parent is the caller's `traceparent` only when OTEL_TRUST_INCOMING_TRACE
 * says the caller may join the gateway's traces to its own: `true` (every caller), `proxies` (the
 * request came through a TRUST_PROXY proxy, e.g. the operator's load balancer), `false`.
 */
export function beginTrace(
  tracing: ProxyTracing,
  req: IncomingMessage,
  url: string,
  requestId: string,
  fromTrustedProxy: (req: IncomingMessage) => boolean,
): RequestTrace {
  const trust = tracing.trustIncoming;
  const honour = trust === 'true' || (trust === 'proxies' && fromTrustedProxy(req));
  const trace = tracing.begin(req, req.method ?? 'GET', storedPath(url, 0), honour);
  trace.set(ATTR_REQUEST_ID, requestId);
  return trace;
}

/** The key is known (authenticated, maybe refused later): the server span says whose request it was. */
export function identifiedKey(trace: RequestTrace, key: CachedKey, planName: string | null): void {
  trace.set(ATTR_KEY_ID, key.id);
  trace.set(ATTR_USER_ID, key.userId);
  if (planName !== null) trace.set(ATTR_PLAN, planName);
}

/** The route matched: `http.route` is the route's public prefix, a low-cardinality name for the span. */
export function matchedRoute(trace: RequestTrace, method: string, route: ProxyRoute): void {
  const template = route.prefix === '/' ? `${PROXY_PREFIX}/*` : `${PROXY_PREFIX}${route.prefix}/*`;
  trace.set(ATTR_ROUTE, route.name);
  trace.set('http.route', template);
  trace.rename(`${method} ${template}`);
}

/** A step refused the request: the step says with which problem code (not an error of the gateway). */
export function refusedStep(step: TraceStep, code: string): void {
  step.set(ATTR_REFUSED, code);
  step.end();
}

/** The rate-limit step's outcome. */
export function limitDecided(step: TraceStep, decision: RateLimitDecision, cost: number): void {
  step.set(
    ATTR_LIMIT_DECISION,
    decision.allowed ? 'allowed' : decision.backend === 'closed' ? 'unavailable' : 'refused',
  );
  step.set(ATTR_LIMIT_BACKEND, decision.backend);
  step.set(ATTR_LIMIT_COST, cost);
  if (decision.refusedBy !== null) step.set(ATTR_LIMIT_REFUSED_BY, decision.refusedBy.name);
  if (decision.shadowRefusals.length > 0) {
    step.set(ATTR_LIMIT_SHADOW_REFUSED, decision.shadowRefusals.map((w) => w.name).join(','));
  }
  step.end();
}

/** The upstream call's client span; its context goes to the upstream in `headers`. */
export function upstreamStep(
  trace: RequestTrace,
  headers: Record<string, string | string[]>,
  method: string,
  target: Upstream,
  path: string,
): TraceStep {
  const server = serverOf(target);
  return trace.upstream(headers, {
    'http.request.method': method,
    'server.address': server.address,
    'server.port': server.port,
    'url.path': storedPath(path, 0),
  });
}

// A target's host and port, parsed once (a URL parse per request would cost ~1 µs).
const servers = new WeakMap<Upstream, { address: string; port: number }>();
function serverOf(target: Upstream): { address: string; port: number } {
  let server = servers.get(target);
  if (server === undefined) {
    const url = new URL(target.origin);
    server = { address: url.hostname, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    servers.set(target, server);
  }
  return server;
}

/** The upstream call ended: its status and time to response headers, or why it failed. */
export function upstreamDone(step: TraceStep, exchange: UpstreamExchange, failure: string | undefined): void {
  if (exchange.status !== 0) step.set('http.response.status_code', exchange.status);
  if (exchange.headersAfterMs >= 0) step.set(ATTR_UPSTREAM_LATENCY, Math.round(exchange.headersAfterMs * 1000) / 1000);
  if (failure !== undefined) step.set('error.type', failure);
  step.end(failure);
}
