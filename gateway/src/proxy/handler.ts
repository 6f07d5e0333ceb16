import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { continueBody } from '../http/client-guards.js';
import { SESSION_COOKIE } from '../http/gateway-cookies.js';
import { forwardedForValue, type TrustProxy } from '../http/trust-proxy.js';
import { hashApiKey, isWellFormedApiKey } from '../keys/api-key.js';
import type { AuthFailureThrottle } from '../keys/auth-throttle.js';
import { type CachedKey, type KeyStore, LookupBudgetExhausted } from '../keys/key-store.js';
import type { Logger } from '../logger.js';
import type { CounterSlot, Metrics } from '../metrics.js';
import { sendProblem } from '../middleware/problem.js';
import { requestIdFor } from '../middleware/request-id.js';
import type { PlanStore } from '../plans/plan-store.js';
import {
  describeWindow,
  pushRateLimitHeaders,
  RATE_LIMIT_FIELDS,
  type RateLimiter,
  setFlatHeaders,
} from '../ratelimit/index.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { storedPath } from '../usage/stored-path.js';
import { classifyUpstreamError, type PublicSite, UpstreamExchange } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import { type InFlightCounter, InFlightLimiter } from './in-flight.js';
import { apiKeyFromQuery, buildTargetPath } from './target-path.js';
import type { Upstream } from './upstream.js';

export interface ProxyDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  keys: KeyStore;
  /** Resolves a key's windows (its plan, its overrides) from memory. */
  plans: PlanStore;
  limiter: RateLimiter;
  usage: UsageRecorder;
  upstream: Upstream;
  authThrottle: AuthFailureThrottle;
  /** Client address, scheme and host, believing forwarding headers only from TRUST_PROXY's proxies. */
  trustProxy: TrustProxy;
}

export const PROXY_PREFIX = '/proxy';
const CLIENT_CLOSED_REQUEST = 499;
// Issued keys are 33–37 characters; anything much longer is not hashed, only rejected.
const MAX_RAW_KEY_LENGTH = 64;
const RETRY_SOON = { 'Retry-After': '1' };
// Response fields the gateway writes on a proxied answer; the upstream's fields of these names are dropped.
const OWNED_RESPONSE_FIELDS: ReadonlySet<string> = new Set(['x-request-id', ...RATE_LIMIT_FIELDS]);

function fail(
  res: ServerResponse,
  requestId: string,
  code: ErrorCode,
  detail: string,
  headers?: Record<string, string>,
): void {
  sendProblem(res, requestId, code, detail, headers ? { headers } : {});
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

/** True for `/proxy`, `/proxy/…` and `/proxy?…` — the requests the proxy handler owns. */
export function isProxyUrl(url: string): boolean {
  if (!url.startsWith(PROXY_PREFIX)) return false;
  const next = url.charCodeAt(PROXY_PREFIX.length);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
}

/**
 * `ALL /proxy/*`: key → auth → path → in-flight slot → rate limit → stream to the upstream → usage
 * record. Mounted in front of Express so that none of the management API's middleware runs on the
 * hot path.
 */
export function createProxyHandler(deps: ProxyDeps) {
  const { metrics, keys, plans, limiter, usage, upstream, authThrottle, logger } = deps;
  const { trustProxy } = deps;
  // PUBLIC_URL, when set, names the public origin: the client's Host is never used to build URLs.
  const site = deps.config.PUBLIC_URL ? publicSite(deps.config.PUBLIC_URL) : undefined;
  const duration = metrics.requestDuration.labels('proxy');
  const upstreamDuration = metrics.upstreamDuration;
  const inFlight = new InFlightLimiter(deps.config.KEY_MAX_IN_FLIGHT);
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

  return async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFor(req);
    const url = req.url ?? '/';
    let keyId: string | undefined;
    let exchange: UpstreamExchange | undefined;
    // The key's in-flight counter once this request holds a slot; `onClose` gives it back.
    let slot: InFlightCounter | null = null;
    let closed = false;
    // A pipelined request still waiting for its turn has no socket yet; should the client hang up
    // meanwhile, its response never emits 'close' (Node), so the connection's 'close' stands in.
    const waitingSocket = res.socket === null ? req.socket : null;
    // 'close' rather than 'finish': a client that hangs up mid-response still used a rate-limit slot
    // and its owner should see the request, recorded as 499 (nginx's "client closed request").
    // The same listener cancels the upstream request then (one listener per request, not two).
    // `on`, not `once`: 'close' fires once anyway, and `once` wraps the listener in another closure.
    const onClose = () => {
      if (closed) return;
      closed = true;
      waitingSocket?.off('close', onClose);
      if (slot !== null) inFlight.release(slot);
      const latencyMs = performance.now() - started;
      const finished = res.writableFinished;
      if (!finished) exchange?.abort();
      const statusCode = finished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      countStatus(statusCode);
      duration.observe(latencyMs / 1000);
      if (keyId) {
        usage.record(
          keyId,
          req.method ?? 'GET',
          storedPath(url, PROXY_PREFIX.length),
          statusCode,
          latencyMs,
          Date.now(),
        );
      }
    };
    res.on('close', onClose);
    waitingSocket?.on('close', onClose);
    // 1. The key: X-API-Key wins over ?api_key= when both are sent.
    const header = req.headers['x-api-key'];
    const rawKey = typeof header === 'string' ? header : apiKeyFromQuery(url);
    const addresses = trustProxy.addresses(req);
    const ip = addresses[addresses.length - 1]!;
    if (!rawKey) {
      metrics.authFailures.labels('missing').inc();
      return fail(
        res,
        requestId,
        'UNAUTHORIZED',
        'Send your API key in the X-API-Key header (or the api_key query parameter).',
      );
    }
    // A key the cache holds as valid was well-formed when it was first looked up: skip the base58
    // decode and checksum (~1.7 µs) for it. Anything else is checked before any lookup or I/O.
    const hash = rawKey.length <= MAX_RAW_KEY_LENGTH ? hashApiKey(rawKey) : '';
    const known = hash !== '' && keys.peek(hash) !== undefined;
    if (!known && !isWellFormedApiKey(rawKey)) {
      authThrottle.fail(ip);
      metrics.authFailures.labels('malformed').inc();
      return fail(res, requestId, 'INVALID_API_KEY', 'The API key is not valid.');
    }

    // 2. Authenticate: hash → in-process cache → database. An address that sent too many bad keys
    // is refused before any lookup, unless it presents a key already known to be valid: guessing
    // stays cheap while a real client sharing the address (NAT, an untrusted proxy) keeps working.
    const wait = known ? 0 : authThrottle.retryAfter(ip);
    if (wait > 0) {
      metrics.authFailures.labels('throttled').inc();
      return fail(
        res,
        requestId,
        'TOO_MANY_FAILED_ATTEMPTS',
        'Too many requests with invalid API keys from this address.',
        {
          'Retry-After': String(wait),
        },
      );
    }
    let key: CachedKey | null;
    try {
      const found = keys.lookup(hash);
      // A cache hit is answered synchronously; awaiting it would still cost a microtask turn.
      key = found instanceof Promise ? await found : found;
    } catch (err) {
      // The key may well be valid: say "try again", not "unauthorized".
      if (err instanceof LookupBudgetExhausted) {
        metrics.authFailures.labels('lookup_budget').inc();
        return fail(res, requestId, 'SERVICE_UNAVAILABLE', 'Too many unknown API keys right now; retry shortly.', {
          'Retry-After': '1',
        });
      }
      logger.warn({ err, requestId }, 'api key lookup failed');
      return fail(
        res,
        requestId,
        'SERVICE_UNAVAILABLE',
        'The gateway cannot verify API keys right now; retry shortly.',
        {
          'Retry-After': '5',
        },
      );
    }
    if (!key) {
      authThrottle.fail(ip);
      metrics.authFailures.labels('unknown').inc();
      return fail(res, requestId, 'INVALID_API_KEY', 'The API key is not valid.');
    }
    keyId = key.id;
    if (!key.active) {
      metrics.authFailures.labels('disabled').inc();
      return fail(res, requestId, 'KEY_DISABLED', 'This API key has been disabled.');
    }
    const now = Date.now();
    if (key.expiresAt !== null && key.expiresAt <= now) {
      metrics.authFailures.labels('expired').inc();
      return fail(res, requestId, 'KEY_EXPIRED', 'This API key has expired.');
    }

    // 3. The path, before anything is counted: a refused path costs no quota.
    const path = buildTargetPath(upstream.basePath, url.slice(PROXY_PREFIX.length));
    if (path === null) return fail(res, requestId, 'BAD_REQUEST', 'The request path is not allowed.');

    // 4. A slot among the key's KEY_MAX_IN_FLIGHT, taken before the rate limiter counts: a request
    // refused here costs no quota. `onClose` gives it back, once, however the request ends.
    if (closed) return;
    slot = inFlight.tryAcquire(key.id);
    if (slot === null) {
      return fail(
        res,
        requestId,
        'TOO_MANY_IN_FLIGHT',
        `This key already has ${inFlight.max} requests in progress; retry when one has finished.`,
        RETRY_SOON,
      );
    }

    // 5. Rate limit: one round trip checks and counts every window of the key and its owner.
    const decision = await limiter.check(key.id, plans.policyFor(key), key.userId);
    // The gateway's own response fields, flat, written with the upstream's in one writeHead.
    const own: string[] = ['X-Request-Id', requestId];
    pushRateLimitHeaders(own, decision);
    if (!decision.allowed) {
      setFlatHeaders(res, own);
      if (decision.backend === 'closed') {
        return fail(
          res,
          requestId,
          'SERVICE_UNAVAILABLE',
          'Rate limiting is unavailable and the gateway is configured to fail closed.',
        );
      }
      const refusedBy = decision.refusedBy;
      const which = refusedBy === null ? "The key's rate limit" : describeWindow(refusedBy);
      return fail(
        res,
        requestId,
        'RATE_LIMITED',
        `${which} is exhausted; retry after ${decision.retryAfterSeconds} s.`,
      );
    }
    keys.touch(key.id, now);

    // 6. Forward.
    const host = site ? site.host : trustProxy.publicHost(req);
    const proto = site ? site.proto : trustProxy.isSecure(req) ? 'https' : 'http';
    exchange = new UpstreamExchange(res, upstream, {
      path,
      headers: upstreamRequestHeaders(req.headers, {
        forwardedFor: forwardedForValue(addresses),
        proto,
        host,
        requestId,
        gatewayCookie: SESSION_COOKIE,
      }),
      proto,
      host,
      site,
      responseHeaders: own,
      ownedFields: OWNED_RESPONSE_FIELDS,
      startedAt: performance.now(),
      upstreamDuration,
    });
    // The client may have left while we were checking the key: then undici does not even connect.
    if (closed) exchange.abort();
    try {
      // Key, limits and path passed: only now may an `Expect: 100-continue` client send its body.
      continueBody(req, res);
      exchange.start(req);
      await exchange.done;
    } catch (err) {
      // A client that hung up makes undici fail with whatever it noticed first (often "Premature
      // close" on the response): that is the client leaving, not the upstream failing, and no
      // reason for a warning per request.
      const failure = classifyUpstreamError(err);
      const kind = exchange.aborted ? 'aborted' : failure.kind;
      metrics.upstreamErrors.labels(kind).inc();
      if (kind === 'aborted') return;
      if (res.headersSent) {
        // The body was cut mid-way: all we can do is cut the client off too.
        logger.warn({ err, requestId }, 'upstream failed mid-response');
        res.destroy();
        return;
      }
      // A full pool is overload, not a fault: counted (kind pool_wait), not logged per request.
      if (kind !== 'pool_wait') {
        logger.warn({ requestId, kind: failure.kind, err: (err as Error).message }, 'upstream request failed');
      }
      setFlatHeaders(res, own);
      fail(res, requestId, failure.code, failure.detail, failure.headers);
    }
  };
}
