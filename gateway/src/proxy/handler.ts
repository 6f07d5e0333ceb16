import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { DEFAULT_ROUTE_NAME } from '@gateway/shared';
import type { Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { continueBody } from '../http/client-guards.js';
import { SESSION_COOKIE } from '../http/gateway-cookies.js';
import { forwardedForValue, type TrustProxy } from '../http/trust-proxy.js';
import { AccessDenied, decideAccess } from '../keys/access.js';
import { hashApiKey, isWellFormedApiKey, MAX_RAW_KEY_LENGTH } from '../keys/api-key.js';
import type { AuthFailureThrottle } from '../keys/auth-throttle.js';
import { type CachedKey, type KeyStore, LookupBudgetExhausted } from '../keys/key-store.js';
import type { Logger } from '../logger.js';
import type { CounterSlot, Metrics } from '../metrics.js';
import { sendProblem } from '../middleware/problem.js';
import { requestIdFor } from '../middleware/request-id.js';
import type { PlanStore } from '../plans/plan-store.js';
import {
  pushRateLimitHeaders,
  RATE_LIMIT_FIELDS,
  type RateLimitDecision,
  type RateLimiter,
  rateLimitedDetail,
  setFlatHeaders,
} from '../ratelimit/index.js';
import type { ProxyTracing, RequestTrace, TraceStep } from '../tracing/index.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { storedPath } from '../usage/stored-path.js';
import type { QuotaThresholds } from '../webhooks/quota-threshold.js';
import { pickTarget } from './balancer.js';
import { classifyUpstreamError, type PublicSite, UpstreamExchange } from './forward.js';
import { type IdentityHeaderNames, notForwardedUpstream, upstreamRequestHeaders } from './headers.js';
import { type InFlightCounter, InFlightLimiter } from './in-flight.js';
import { PROXY_PREFIX, type ProxyRoute, type RouteTable } from './route-table.js';
import { apiKeyFromQuery, joinTargetPath, targetRest } from './target-path.js';
import {
  beginTrace,
  identifiedKey,
  limitDecided,
  matchedRoute,
  refusedStep,
  upstreamDone,
  upstreamStep,
} from './trace-steps.js';

export { PROXY_PREFIX };

export interface ProxyDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  keys: KeyStore;
  /** Resolves a key's windows (its plan, its overrides) from memory. */
  plans: PlanStore;
  /** Sends quota.threshold when a request crosses a share of a day or month quota. */
  quotas: QuotaThresholds;
  limiter: RateLimiter;
  usage: UsageRecorder;
  routes: RouteTable;
  authThrottle: AuthFailureThrottle;
  /** Client address, scheme and host, believing forwarding headers only from TRUST_PROXY's proxies. */
  trustProxy: TrustProxy;
  /** OpenTelemetry tracing; null or absent when off (the default). */
  tracing?: ProxyTracing | null;
}

const CLIENT_CLOSED_REQUEST = 499;
const RETRY_SOON = { 'Retry-After': '1' };
// Response fields the gateway writes on a proxied answer; the upstream's fields of these names are dropped.
const OWNED_RESPONSE_FIELDS: ReadonlySet<string> = new Set(['x-request-id', ...RATE_LIMIT_FIELDS]);

/** Why a step refuses the request: the problem the client gets. Steps return it; they never write the response. */
class Refusal {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly headers?: Record<string, string>,
    /** The rate-limit decision's fields, flat (`[name, value, …]`), for refusals after the limiter ran. */
    readonly flatHeaders?: string[],
  ) {}
}

// The refusals whose text never varies, built once.
const MISSING_KEY = new Refusal(
  'UNAUTHORIZED',
  'Send your API key in the X-API-Key header (or the api_key query parameter).',
);
const INVALID_KEY = new Refusal('INVALID_API_KEY', 'The API key is not valid.');
const LOOKUP_BUDGET = new Refusal('SERVICE_UNAVAILABLE', 'Too many unknown API keys right now; retry shortly.', {
  'Retry-After': '1',
});
const LOOKUP_FAILED = new Refusal(
  'SERVICE_UNAVAILABLE',
  'The gateway cannot verify API keys right now; retry shortly.',
  { 'Retry-After': '5' },
);
const PATH_REFUSED = new Refusal('BAD_REQUEST', 'The request path is not allowed.');
const LIMITER_CLOSED = 'Rate limiting is unavailable and the gateway is configured to fail closed.';

function refuse(res: ServerResponse, requestId: string, refusal: Refusal): void {
  if (refusal.flatHeaders) setFlatHeaders(res, refusal.flatHeaders);
  sendProblem(res, requestId, refusal.code, refusal.detail, refusal.headers ? { headers: refusal.headers } : {});
}

function publicSite(publicUrl: string): PublicSite {
  const url = new URL(publicUrl);
  return {
    url: publicUrl,
    path: url.pathname === '/' ? '' : url.pathname,
    proto: url.protocol.slice(0, -1),
    host: url.host,
  };
}

/**
 * The body bytes the client was sent: what the upstream's answer streamed through, or the gateway's
 * own answer (a problem document, whose Content-Length the gateway set), none for HEAD.
 */
function responseBodyBytes(
  req: IncomingMessage,
  res: ServerResponse,
  exchange: UpstreamExchange | undefined,
  finished: boolean,
): number {
  if (exchange !== undefined && exchange.responseBytes > 0) return exchange.responseBytes;
  if (!finished || req.method === 'HEAD') return 0;
  const length = res.getHeader('content-length');
  return typeof length === 'number' ? length : 0;
}

/**
 * A client address the usage log's inet column accepts: a trusted proxy's X-Forwarded-For could
 * carry anything, and one unparsable value would fail its whole batch. Otherwise not recorded.
 */
function recordableAddress(address: string): string | undefined {
  return isIP(address) !== 0 && !address.includes('%') ? address : undefined;
}

/** True for `/proxy`, `/proxy/…` and `/proxy?…` — the requests the proxy handler owns. */
export function isProxyUrl(url: string): boolean {
  if (!url.startsWith(PROXY_PREFIX)) return false;
  const next = url.charCodeAt(PROXY_PREFIX.length);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
}

/**
 * One proxied request as the record step sees it when the response closes: filled in as the steps
 * succeed (the key once authenticated, the in-flight slot once admitted, the exchange once forwarded).
 */
class ProxyCall {
  readonly started = performance.now();
  key: CachedKey | null = null;
  /** The route that served (or refused) the request, once matched. */
  route: ProxyRoute | null = null;
  /** The client's address, kept for the usage record only with USAGE_LOG_CLIENT_IP. */
  clientIp: string | undefined = undefined;
  /** The key's in-flight counter while this request holds a slot; the record step gives it back. */
  slot: InFlightCounter | null = null;
  exchange: UpstreamExchange | undefined = undefined;
  /** The request's trace while tracing is on; null otherwise (and then nothing traces). */
  trace: RequestTrace | null = null;
  /** The upstream call's span, once forwarded (tracing on). */
  upstreamStep: TraceStep | null = null;
  closed = false;
  /** The `close` listener: one per request, rather than one for the response and one for the socket. */
  readonly onClose: () => void;
  /**
   * A pipelined request still waiting for its turn has no socket yet; should the client hang up
   * meanwhile, its response never emits 'close' (Node), so the connection's 'close' stands in.
   */
  readonly waitingSocket: IncomingMessage['socket'] | null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly url: string,
    record: (call: ProxyCall) => void,
  ) {
    this.onClose = () => record(this);
    this.waitingSocket = res.socket === null ? req.socket : null;
    // 'close' rather than 'finish': a client that hangs up mid-response still used a rate-limit slot
    // and its owner should see the request, recorded as 499 (nginx's "client closed request").
    // `on`, not `once`: 'close' fires once anyway, and `once` wraps the listener in another closure.
    res.on('close', this.onClose);
    this.waitingSocket?.on('close', this.onClose);
  }
}

/**
 * `ALL /proxy/*` as named steps, each returning its result or a `Refusal`: extract the key →
 * authenticate it → authorize (key state, route, path) → limit (in-flight slot, rate limits) →
 * forward → record (when the response closes). Mounted in front of Express so that none of the
 * management API's middleware runs on the hot path.
 */
export function createProxyHandler(deps: ProxyDeps) {
  const { config, metrics, keys, plans, quotas, limiter, usage, routes, authThrottle, logger, trustProxy } = deps;
  const tracing = deps.tracing ?? null;
  const fromTrustedProxy = (req: IncomingMessage) => trustProxy.trust(req.socket.remoteAddress ?? '', 0);
  /** A traced request's ids for its log lines (pino: `trace_id`, `span_id`). */
  const traceIds = (trace: RequestTrace | null) =>
    trace === null ? undefined : { trace_id: trace.traceId, span_id: trace.spanId };
  // PUBLIC_URL, when set, names the public origin: the client's Host is never used to build URLs.
  const site = config.PUBLIC_URL ? publicSite(config.PUBLIC_URL) : undefined;
  const identity: IdentityHeaderNames = {
    keyId: config.IDENTITY_HEADER_KEY_ID,
    userId: config.IDENTITY_HEADER_USER_ID,
    plan: config.IDENTITY_HEADER_PLAN,
  };
  const notForwarded = notForwardedUpstream(identity);
  const logClientIp = config.USAGE_LOG_CLIENT_IP;
  const duration = metrics.requestDuration.labels('proxy');
  const upstreamDuration = metrics.upstreamDuration;
  const inFlight = new InFlightLimiter(config.KEY_MAX_IN_FLIGHT);
  metrics.countInFlightWith(() => inFlight.total());
  // One slot per status code seen (at most 900: Node refuses codes outside 100–999).
  const statusCounters = new Map<number, CounterSlot>();
  const countStatus = (status: number) => {
    let counter = statusCounters.get(status);
    if (!counter) {
      counter = metrics.httpRequests.slot({ route: 'proxy', status: String(status) });
      statusCounters.set(status, counter);
    }
    counter.inc();
  };

  /** 1. The key: X-API-Key wins over ?api_key= when both are sent. */
  function extractKey(req: IncomingMessage, url: string): string | Refusal {
    const header = req.headers['x-api-key'];
    const rawKey = typeof header === 'string' ? header : apiKeyFromQuery(url);
    if (rawKey) return rawKey;
    metrics.authFailures.labels('missing').inc();
    return MISSING_KEY;
  }

  /**
   * 2. Authenticate: hash → in-process cache → database. A cache hit is answered synchronously:
   * awaiting it would still cost a microtask turn.
   */
  function authenticate(
    rawKey: string,
    ip: string,
    trace: RequestTrace | null,
  ): CachedKey | Refusal | Promise<CachedKey | Refusal> {
    // A key the cache holds as valid was well-formed when it was first looked up: skip the base58
    // decode and checksum (~1.7 µs) for it. Anything else is checked before any lookup or I/O.
    const hash = rawKey.length <= MAX_RAW_KEY_LENGTH ? hashApiKey(rawKey) : '';
    const known = hash === '' ? undefined : keys.cached(hash);
    if (known !== undefined) return known;
    if (!isWellFormedApiKey(rawKey)) {
      authThrottle.fail(ip);
      metrics.authFailures.labels('malformed').inc();
      return INVALID_KEY;
    }
    // An address that sent too many bad keys is refused before any lookup, unless it presents a key
    // already known to be valid (above): guessing stays cheap while a real client sharing the
    // address (NAT, an untrusted proxy) keeps working.
    const wait = authThrottle.retryAfter(ip);
    if (wait > 0) {
      metrics.authFailures.labels('throttled').inc();
      return new Refusal('TOO_MANY_FAILED_ATTEMPTS', 'Too many requests with invalid API keys from this address.', {
        'Retry-After': String(wait),
      });
    }
    const found = keys.lookup(hash);
    if (found instanceof Promise)
      return found.then(
        (key) => identified(key, ip),
        (err) => lookupFailed(err, trace),
      );
    return identified(found, ip);
  }

  function identified(key: CachedKey | null, ip: string): CachedKey | Refusal {
    if (key) return key;
    authThrottle.fail(ip);
    metrics.authFailures.labels('unknown').inc();
    return INVALID_KEY;
  }

  function lookupFailed(err: unknown, trace: RequestTrace | null): Refusal {
    // The key may well be valid: say "try again", not "unauthorized".
    if (err instanceof LookupBudgetExhausted) {
      metrics.authFailures.labels('lookup_budget').inc();
      return LOOKUP_BUDGET;
    }
    logger.warn({ err, ...traceIds(trace) }, 'api key lookup failed');
    return LOOKUP_FAILED;
  }

  /**
   * 3. Authorize, before anything is counted (a refused request costs no quota): the key is
   * enabled and unexpired, a route serves the path and is enabled, and the key may call it (a rolled
   * secret still in its grace period, the key's IP allow-list, its route and method scopes). The same
   * decision as `POST /keys/verify` (keys/access.ts).
   */
  function authorize(key: CachedKey, url: string, method: string, ip: string, now: number): ProxyRoute | Refusal {
    const route = decideAccess(key, routes.match(url), method, ip, now);
    if (!(route instanceof AccessDenied)) return route;
    if (route.reason !== null) metrics.authFailures.labels(route.reason).inc();
    return new Refusal(route.code, route.detail);
  }

  /**
   * 4. Limit: a slot among the key's KEY_MAX_IN_FLIGHT (taken before the rate limiter counts, so a
   * request refused here costs no quota), then one round trip that checks and counts every window.
   * Every window of the key's plan and its owner's, counting the route's `cost`. Returns the limiter's promise itself: the proxy awaits it
   * once, as before the steps existed (an async step would add a promise and a turn per request).
   */
  function limit(call: ProxyCall, key: CachedKey, route: ProxyRoute): Promise<RateLimitDecision> | Refusal {
    call.slot = inFlight.tryAcquire(key.id);
    if (call.slot === null) {
      return new Refusal(
        'TOO_MANY_IN_FLIGHT',
        `This key already has ${inFlight.max} requests in progress; retry when one has finished.`,
        RETRY_SOON,
      );
    }
    return limiter.check(key.id, plans.policyFor(key), key.userId, route.cost);
  }

  /** The limiter's decision as the gateway's own response fields (flat), or the refusal it means. */
  function decided(requestId: string, decision: RateLimitDecision): string[] | Refusal {
    // Written with the upstream's fields in one writeHead.
    const own: string[] = ['X-Request-Id', requestId];
    pushRateLimitHeaders(own, decision);
    if (decision.allowed) return own;
    if (decision.backend === 'closed') return new Refusal('SERVICE_UNAVAILABLE', LIMITER_CLOSED, undefined, own);
    return rateLimited(decision, own);
  }

  function rateLimited(decision: RateLimitDecision, own: string[]): Refusal {
    return new Refusal('RATE_LIMITED', rateLimitedDetail(decision), undefined, own);
  }

  const planNameOf = (key: CachedKey) => (key.planId === null ? null : (plans.planOf(key.planId)?.name ?? null));

  /** 5. Forward: the exchange that streams the request to the route's next target and the answer back. */
  function forward(
    call: ProxyCall,
    key: CachedKey,
    route: ProxyRoute,
    rest: string,
    own: string[],
    addresses: readonly string[],
  ): UpstreamExchange {
    const { req, res, requestId } = call;
    const host = site ? site.host : trustProxy.publicHost(req);
    const proto = site ? site.proto : trustProxy.isSecure(req) ? 'https' : 'http';
    const target = pickTarget(route);
    const path = joinTargetPath(target.basePath, rest);
    const headers = upstreamRequestHeaders(req.headers, {
      forwardedFor: forwardedForValue(addresses),
      proto,
      host,
      requestId,
      gatewayCookie: SESSION_COOKIE,
      notForwarded,
      identity,
      caller: key,
      planName: planNameOf(key),
    });
    // The upstream joins the trace: traceparent (and tracestate) in its request.
    if (call.trace !== null) call.upstreamStep = upstreamStep(call.trace, headers, req.method ?? 'GET', target, path);
    const exchange = new UpstreamExchange(res, target, {
      route,
      path,
      rest,
      headers,
      proto,
      host,
      site,
      responseHeaders: own,
      ownedFields: OWNED_RESPONSE_FIELDS,
      startedAt: performance.now(),
      upstreamDuration,
    });
    call.exchange = exchange;
    // The client may have left while we were checking the key: then undici does not even connect.
    if (call.closed) exchange.abort();
    return exchange;
  }

  /** The exchange failed: a problem for the client if nothing was sent yet, else a cut connection. */
  function forwardFailed(call: ProxyCall, exchange: UpstreamExchange, route: ProxyRoute, own: string[], err: unknown) {
    const { res, requestId } = call;
    // A client that hung up makes undici fail with whatever it noticed first (often "Premature
    // close" on the response): that is the client leaving, not the upstream failing, and no
    // reason for a warning per request.
    const failure = classifyUpstreamError(err);
    const kind = exchange.aborted ? 'aborted' : failure.kind;
    metrics.upstreamErrors.labels(kind).inc();
    if (kind === 'aborted') return;
    if (res.headersSent) {
      // The body was cut mid-way: all we can do is cut the client off too.
      logger.warn({ err, requestId, ...traceIds(call.trace) }, 'upstream failed mid-response');
      res.destroy();
      return;
    }
    // A full pool is overload, not a fault: counted (kind pool_wait), not logged per request.
    if (kind !== 'pool_wait') {
      logger.warn(
        { requestId, route: route.name, kind: failure.kind, err: (err as Error).message, ...traceIds(call.trace) },
        'upstream request failed',
      );
    }
    setFlatHeaders(res, own);
    sendProblem(res, requestId, failure.code, failure.detail, failure.headers ? { headers: failure.headers } : {});
  }

  /** 6. Record, once, when the response closes however it ended: slot back, metrics, usage log. */
  function record(call: ProxyCall): void {
    if (call.closed) return;
    call.closed = true;
    const { req, res } = call;
    call.waitingSocket?.off('close', call.onClose);
    if (call.slot !== null) inFlight.release(call.slot);
    const latencyMs = performance.now() - call.started;
    const finished = res.writableFinished;
    if (!finished) call.exchange?.abort();
    const statusCode = finished ? res.statusCode : CLIENT_CLOSED_REQUEST;
    countStatus(statusCode);
    duration.observe(latencyMs / 1000);
    if (call.trace !== null) call.trace.end(statusCode);
    // A known key's refusals (403, 429) are recorded too: its owner sees them.
    const key = call.key;
    if (key !== null) {
      // A key refused before its route was matched (disabled, expired) is recorded under the route
      // its request would have taken.
      const route = call.route ?? routes.match(call.url);
      const exchange = call.exchange;
      usage.record(
        key.id,
        key.userId,
        route === null ? DEFAULT_ROUTE_NAME : route.name,
        req.method ?? 'GET',
        storedPath(call.url, PROXY_PREFIX.length),
        statusCode,
        latencyMs,
        Date.now(),
        exchange === undefined ? 0 : exchange.requestBytes,
        responseBodyBytes(req, res, exchange, finished),
        call.clientIp,
      );
    }
  }

  return async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdFor(req);
    const url = req.url ?? '/';
    const call = new ProxyCall(req, res, requestId, url, record);
    // Tracing off (the default): `trace` stays null, and each traced line below is one null test.
    const trace = tracing === null ? null : beginTrace(tracing, req, url, requestId, fromTrustedProxy);
    call.trace = trace;

    const rawKey = extractKey(req, url);
    if (rawKey instanceof Refusal) return refuse(res, requestId, rawKey);

    const auth = trace === null ? null : trace.step('auth');
    const addresses = trustProxy.addresses(req);
    let key = authenticate(rawKey, addresses[addresses.length - 1]!, trace);
    if (key instanceof Promise) key = await key;
    if (key instanceof Refusal) {
      if (auth !== null) refusedStep(auth, key.code);
      return refuse(res, requestId, key);
    }
    call.key = key;
    if (logClientIp) call.clientIp = recordableAddress(addresses[addresses.length - 1]!);
    if (trace !== null) identifiedKey(trace, key, planNameOf(key));

    const now = Date.now();
    const method = req.method ?? 'GET';
    const route = authorize(key, url, method, addresses[addresses.length - 1]!, now);
    if (route instanceof Refusal) {
      if (auth !== null) refusedStep(auth, route.code);
      return refuse(res, requestId, route);
    }
    if (trace !== null && auth !== null) {
      matchedRoute(trace, method, route);
      auth.end();
    }
    call.route = route;
    const rest = targetRest(url.slice(PROXY_PREFIX.length + route.stripLength));
    if (rest === null) return refuse(res, requestId, PATH_REFUSED);

    if (call.closed) return;
    const limitStep = trace === null ? null : trace.step('rate-limit');
    const limiting = limit(call, key, route);
    if (limiting instanceof Refusal) {
      if (limitStep !== null) refusedStep(limitStep, limiting.code);
      return refuse(res, requestId, limiting);
    }
    const decision = await limiting;
    if (limitStep !== null) limitDecided(limitStep, decision, route.cost);
    const own = decided(requestId, decision);
    if (own instanceof Refusal) return refuse(res, requestId, own);
    quotas.observe(key, decision, route.cost);
    keys.touch(key, now);

    const exchange = forward(call, key, route, rest, own, addresses);
    try {
      // Key, route, limits and path passed: only now may an `Expect: 100-continue` client send its body.
      continueBody(req, res);
      exchange.start(req);
      await exchange.done;
      if (call.upstreamStep !== null) upstreamDone(call.upstreamStep, exchange, undefined);
    } catch (err) {
      if (call.upstreamStep !== null) {
        upstreamDone(call.upstreamStep, exchange, exchange.aborted ? 'aborted' : classifyUpstreamError(err).kind);
      }
      forwardFailed(call, exchange, route, own, err);
    }
  };
}
