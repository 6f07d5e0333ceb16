import { isIP } from 'node:net';
import type { ErrorCode, VerifyKeyRequestSchema, VerifyKeyResponse } from '@gateway/shared';
import { DEFAULT_ROUTE_NAME, ERROR_STATUS } from '@gateway/shared';
import type { z } from 'zod';
import type { PlanStore } from '../plans/plan-store.js';
import { PROXY_PREFIX, type ProxyRoute, type RouteTable } from '../proxy/route-table.js';
import { type RateLimiter, rateLimitedDetail, toLimit } from '../ratelimit/index.js';
import type { UsageRecorder } from '../usage/recorder.js';
import type { QuotaThresholds } from '../webhooks/quota-threshold.js';
import { AccessDenied, decideAccess } from './access.js';
import { hashApiKey, isWellFormedApiKey, MAX_RAW_KEY_LENGTH } from './api-key.js';
import { type KeyStore, LookupBudgetExhausted } from './key-store.js';

export interface VerifierDeps {
  keys: KeyStore;
  routes: RouteTable;
  plans: PlanStore;
  limiter: RateLimiter;
  usage: UsageRecorder;
  quotas: QuotaThresholds;
  /** USAGE_LOG_CLIENT_IP: record the `ip` the caller passes as the client's address. */
  logClientIp?: boolean;
}

type VerifyInput = z.output<typeof VerifyKeyRequestSchema>;

/** Thrown when the answer is "retry shortly" (the database, or the unknown-key budget), not a verdict. */
export class VerifyUnavailable extends Error {}

/**
 * `POST /keys/verify`: the proxy's decision without the proxying, for services that handle traffic
 * themselves. The same steps in the same order — key shape, lookup, then the proxy's own access
 * decision (`decideAccess`: enabled and unexpired, the route, a rolled secret's grace, the IP
 * allow-list and scopes), then every window of the key's plan and its owner's, counted with the
 * route's cost — so a key is valid here exactly when the proxy would pass the request. A verification of a known key is recorded in its usage (method as given, path as given
 * or `/verify`), refusals included, as the proxy records its answers.
 */
export async function verifyKey(deps: VerifierDeps, input: VerifyInput): Promise<VerifyKeyResponse> {
  const started = performance.now();
  const refused = (code: ErrorCode, detail: string, extra: Partial<VerifyKeyResponse> = {}): VerifyKeyResponse => ({
    valid: false,
    code,
    detail,
    keyId: null,
    userId: null,
    plan: null,
    route: null,
    limits: [],
    retryAfterSeconds: null,
    ...extra,
  });
  if (input.key.length > MAX_RAW_KEY_LENGTH || !isWellFormedApiKey(input.key)) {
    return refused('INVALID_API_KEY', 'The API key is not valid.');
  }
  let key: Awaited<ReturnType<KeyStore['lookup']>>;
  try {
    key = await deps.keys.lookup(hashApiKey(input.key));
  } catch (error) {
    throw new VerifyUnavailable(
      error instanceof LookupBudgetExhausted
        ? 'Too many unknown API keys right now'
        : 'API keys cannot be checked right now',
    );
  }
  if (!key) return refused('INVALID_API_KEY', 'The API key is not valid.');
  const now = Date.now();
  const plan = key.planId === null ? null : (deps.plans.planOf(key.planId)?.name ?? null);
  const who = { keyId: key.id, userId: key.userId, plan };
  const path = input.path ?? '/verify';
  // Nothing is proxied: no body bytes. The route: the one picked below, else the path's (default).
  let routeName = deps.routes.match(PROXY_PREFIX + (input.path ?? '/'))?.name ?? DEFAULT_ROUTE_NAME;
  const clientIp = deps.logClientIp && input.ip !== undefined && isIP(input.ip) !== 0 ? input.ip : undefined;
  const record = (status: number) =>
    deps.usage.record(
      key.id,
      key.userId,
      routeName,
      input.method,
      path.slice(0, 1024),
      status,
      performance.now() - started,
      Date.now(),
      0,
      0,
      clientIp,
    );
  const answer = (result: VerifyKeyResponse) => {
    record(result.valid ? 200 : ERROR_STATUS[result.code as ErrorCode]);
    return result;
  };

  const picked = pickRoute(deps.routes, input);
  const route = decideAccess(key, picked, input.method, input.ip, now);
  if (route instanceof AccessDenied) {
    // A key refused for its own state names no route: the route is not looked at before that.
    const keyState = route.reason === 'disabled' || route.reason === 'expired';
    const at = { ...who, route: keyState ? null : (picked?.name ?? null) };
    const detail =
      route.code === 'ROUTE_NOT_FOUND' && input.route !== undefined ? `No route named "${input.route}".` : route.detail;
    return answer(refused(route.code, detail, at));
  }
  routeName = route.name;
  const at = { ...who, route: route.name };

  const decision = await deps.limiter.check(key.id, deps.plans.policyFor(key), key.userId, input.cost ?? route.cost);
  const limits = decision.windows.map(toLimit);
  if (decision.allowed) {
    deps.keys.touch(key, now);
    deps.quotas.observe(key, decision, input.cost ?? route.cost);
    return answer({ valid: true, code: 'VALID', detail: null, ...at, limits, retryAfterSeconds: null });
  }
  if (decision.backend === 'closed') {
    throw new VerifyUnavailable('Rate limiting is unavailable and the gateway is configured to fail closed');
  }
  return answer(
    refused('RATE_LIMITED', rateLimitedDetail(decision), {
      ...at,
      limits,
      retryAfterSeconds: decision.retryAfterSeconds,
    }),
  );
}

/** The route by name, else the one the path matches (as the proxy matches it), else the default. */
function pickRoute(routes: RouteTable, input: VerifyInput): ProxyRoute | null {
  if (input.route !== undefined) return routes.list().find((r) => r.name === input.route) ?? null;
  return routes.match(PROXY_PREFIX + (input.path ?? '/'));
}
