import { isIP } from 'node:net';
import type { ErrorCode, VerifyKeyRequestSchema, VerifyKeyResponse } from '@gateway/shared';
import { DEFAULT_ROUTE_NAME, ERROR_STATUS } from '@gateway/shared';
import type { z } from 'zod';
import type { PlanStore } from '../plans/plan-store.js';
import { PROXY_PREFIX, type ProxyRoute, type RouteTable } from '../proxy/route-table.js';
import { describeWindow, type RateLimiter } from '../ratelimit/index.js';
import type { UsageRecorder } from '../usage/recorder.js';
import type { QuotaThresholds } from '../webhooks/quota-threshold.js';
import { hashApiKey, isWellFormedApiKey } from './api-key.js';
import { authorizeRequest } from './authorize.js';
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

const MAX_RAW_KEY_LENGTH = 64;

/**
 * `POST /keys/verify`: the proxy's decision without the proxying, for services that handle traffic
 * themselves. The same steps in the same order — key shape, lookup, enabled and unexpired, the route,
 * a rolled secret's grace, the IP allow-list and scopes, then every window of the key's plan and its
 * owner's, counted with the route's cost — so a key is valid here exactly when the proxy would pass
 * the request. A verification of a known key is recorded in its usage (method as given, path as given
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

  if (!key.active) return answer(refused('KEY_DISABLED', 'This API key has been disabled.', who));
  if (key.expiresAt !== null && key.expiresAt <= now) {
    return answer(refused('KEY_EXPIRED', 'This API key has expired.', who));
  }
  const route = pickRoute(deps.routes, input);
  if (route === null) {
    return answer(refused('ROUTE_NOT_FOUND', `No route named "${input.route}".`, who));
  }
  routeName = route.name;
  const at = { ...who, route: route.name };
  if (!route.enabled) return answer(refused('ROUTE_DISABLED', `The route "${route.name}" is disabled.`, at));
  if (key.allowList !== null && input.ip === undefined) {
    return answer(refused('IP_NOT_ALLOWED', 'This API key has an IP allow-list: pass the client address as "ip".', at));
  }
  const denial = authorizeRequest(key, route.name, input.method, input.ip ?? '', now);
  if (denial !== null) return answer(refused(denial.code, denial.detail, at));

  const decision = await deps.limiter.check(key.id, deps.plans.policyFor(key), key.userId, input.cost ?? route.cost);
  const limits = decision.windows.map((w) => ({
    window: w.name,
    unit: w.unit,
    scope: w.scope,
    shadow: w.shadow,
    limit: w.limit,
    remaining: w.remaining,
    reset: w.resetSeconds,
  }));
  if (decision.allowed) {
    deps.keys.touch(key, now);
    deps.quotas.observe(key, decision, input.cost ?? route.cost);
    return answer({ valid: true, code: 'VALID', detail: null, ...at, limits, retryAfterSeconds: null });
  }
  if (decision.backend === 'closed') {
    throw new VerifyUnavailable('Rate limiting is unavailable and the gateway is configured to fail closed');
  }
  const which = decision.refusedBy === null ? "The key's rate limit" : describeWindow(decision.refusedBy);
  return answer(
    refused('RATE_LIMITED', `${which} is exhausted; retry after ${decision.retryAfterSeconds} s.`, {
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
