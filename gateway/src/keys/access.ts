import { AccessDenied, authorizeRequest, type KeyAccessRules } from './authorize.js';

export { AccessDenied };

/** What the access decision reads of an authenticated key (a `CachedKey` is one). */
export interface AccessKey extends KeyAccessRules {
  active: boolean;
  expiresAt: number | null;
}

/** What it reads of the route the request is for (a `ProxyRoute` is one). */
export interface AccessRoute {
  name: string;
  enabled: boolean;
}

// The denials whose text never varies, built once.
const KEY_DISABLED = new AccessDenied('KEY_DISABLED', 'This API key has been disabled.', 'disabled');
const KEY_EXPIRED = new AccessDenied('KEY_EXPIRED', 'This API key has expired.', 'expired');
const NO_ROUTE = new AccessDenied('ROUTE_NOT_FOUND', 'No route serves this path.', null);

/**
 * May this authenticated key call `route` with `method` from `ip` now? The route when it may, else
 * why not. The one decision the proxy and `POST /keys/verify` share, so a key is valid there exactly
 * when the proxy would pass the request. In this order: the key is enabled and unexpired, a route was
 * found and is enabled, a rolled secret is still in its grace period, the IP allow-list admits `ip`
 * (undefined: not known, which a key with an allow-list fails), the key's scopes allow the route and
 * method. Runs before anything is counted: a refused request costs no quota.
 */
export function decideAccess<R extends AccessRoute>(
  key: AccessKey,
  route: R | null,
  method: string,
  ip: string | undefined,
  now: number,
): R | AccessDenied {
  if (!key.active) return KEY_DISABLED;
  if (key.expiresAt !== null && key.expiresAt <= now) return KEY_EXPIRED;
  if (route === null) return NO_ROUTE;
  if (!route.enabled) return new AccessDenied('ROUTE_DISABLED', `The route "${route.name}" is disabled.`, null);
  return authorizeRequest(key, route.name, method, ip, now) ?? route;
}
