/**
 * Builds the upstream path from the part of the request URL after `/proxy`. The path is passed on
 * as sent (no re-encoding), but any segment that decodes to `.` or `..`, or that hides a slash or
 * backslash behind percent-encoding, is refused: the upstream might normalise it and let a client
 * climb out of INTERNAL_API_BASE_URL's path.
 */
export function buildTargetPath(basePath: string, rawRest: string): string | null {
  const q = rawRest.indexOf('?');
  const path = q === -1 ? rawRest : rawRest.slice(0, q);
  const query = q === -1 ? '' : rawRest.slice(q + 1);
  if (path !== '' && path[0] !== '/') return null;
  if (!isSafePath(path)) return null;
  const search = stripApiKey(query);
  return (basePath + path || '/') + (search ? `?${search}` : '');
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

/** The query string without `api_key` (the gateway consumed it), everything else byte for byte. */
export function stripApiKey(query: string): string {
  if (!query.includes('api_key')) return query;
  return query
    .split('&')
    .filter((pair) => {
      const name = pair.split('=', 1)[0]!;
      return name !== 'api_key' && safeDecode(name) !== 'api_key';
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

/** The `api_key` query parameter's value, if any (the key may also come in `X-API-Key`). */
export function apiKeyFromQuery(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1 || !url.includes('api_key', q)) return undefined;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (name === 'api_key' || safeDecode(name) === 'api_key') return eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
  }
  return undefined;
}
