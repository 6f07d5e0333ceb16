/** The management API's session cookie (HttpOnly). */
export const SESSION_COOKIE = 'gw_session';

/**
 * Cookie names starting with this prefix belong to the gateway (session, sign-in flows). Browsers
 * send a host's cookies to every port of it, so the proxy strips them from requests to the upstream
 * and drops upstream `Set-Cookie` fields that would set them (session fixation through proxied content).
 */
export const GATEWAY_COOKIE_PREFIX = 'gw_';

/** True when a `Set-Cookie` value sets a gateway cookie (its name, before `=`, has the gateway's prefix). */
export function setsGatewayCookie(setCookie: string): boolean {
  return setCookie.trimStart().startsWith(GATEWAY_COOKIE_PREFIX);
}
