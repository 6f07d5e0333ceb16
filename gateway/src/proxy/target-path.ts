/**
 * The part of a request target after `/proxy` (and a stripped route prefix) as the upstream gets
 * it, before the target's base path. The path is passed on as sent (no re-encoding), but any segment
 * that decodes to `.` or `..`, or that hides a slash or backslash behind percent-encoding, is
 * refused (null): the upstream might normalise it and let a client climb out of the target's path.
 * The query loses `api_key`. The result may be '' or start with `?`.
 */
export function targetRest(rawRest: string): string | null {
  const q = rawRest.indexOf('?');
  const path = q === -1 ? rawRest : rawRest.slice(0, q);
  if (path !== '' && path[0] !== '/') return null;
  if (!isSafePath(path)) return null;
  if (q === -1) return path;
  const search = stripApiKey(rawRest.slice(q + 1));
  return search ? `${path}?${search}` : path;
}

/** A target's base path followed by `targetRest`'s result: never empty, `/` before a bare query. */
export function joinTargetPath(basePath: string, rest: string): string {
  const path = basePath + rest;
  return path === '' || path[0] === '?' ? `/${path}` : path;
}

function isSafePath(path: string): boolean {
  // A raw '#' never belongs in a request target (RFC 9112 §3.2) but Node's parser lets it through;
  // an upstream that reads it as a fragment sees "/api/..#x" as "/api/.." — a climb out.
  if (path.includes('\\') || path.includes('#')) return false;
  // Fast path: nothing encoded and no dot segments.
  if (!path.includes('%') && !path.includes('.')) return true;
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = segment.includes('%') ? decodeURIComponent(segment) : segment;
    } catch {
      return false;
    }
    // Servlet containers (Tomcat, Jetty) strip ";params" from a segment before resolving dot
    // segments, so "..;x" climbs exactly like "..".
    const semicolon = decoded.indexOf(';');
    const bare = semicolon === -1 ? decoded : decoded.slice(0, semicolon);
    if (bare === '.' || bare === '..' || decoded.includes('/') || decoded.includes('\\')) return false;
    if (decoded.includes('\0')) return false;
  }
  return true;
}

/**
 * Whether a query string may name `api_key` at all. The name counts in any letter case and any
 * percent-encoding (`API_KEY`, `api%5Fkey`), so every spelling contains `_` or `%`; one regular
 * expression test keeps the common query (no such name) off the slow path.
 */
const MAY_NAME_API_KEY = /api_key|%/i;

/**
 * Whether a query parameter name is the gateway's `api_key`: compared after percent-decoding and
 * case-insensitively, so that no spelling of the key parameter is ever forwarded with a raw key.
 */
function isApiKeyName(name: string): boolean {
  if (name.length === 7) return name.toLowerCase() === 'api_key';
  return name.includes('%') && safeDecode(name).toLowerCase() === 'api_key';
}

/** The query string without `api_key` in any spelling (the gateway consumed it), everything else byte for byte. */
export function stripApiKey(query: string): string {
  if (!MAY_NAME_API_KEY.test(query)) return query;
  return query
    .split('&')
    .filter((pair) => {
      const eq = pair.indexOf('=');
      return !isApiKeyName(eq === -1 ? pair : pair.slice(0, eq));
    })
    .join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

/** The first `api_key` query parameter's value (any spelling, as `stripApiKey`); the key may also come in `X-API-Key`. */
export function apiKeyFromQuery(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  const query = url.slice(q + 1);
  if (!MAY_NAME_API_KEY.test(query)) return undefined;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (isApiKeyName(eq === -1 ? pair : pair.slice(0, eq))) return eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
  }
  return undefined;
}
