/**
 * Just enough of a browser for redirect-based sign-in flows over plain fetch: a cookie jar (RFC 6265
 * host and path matching; like browsers, cookies are not isolated by port) and manual redirects.
 * SameSite is not modelled: the Playwright spec covers the real browser.
 */

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires: number | undefined;
}

export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  /** Stores (or deletes, when expired) every Set-Cookie of a response to `url`. */
  store(url: string | URL, res: Response): void {
    const { hostname, pathname } = new URL(url);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const cookie: StoredCookie = {
        name: pair!.slice(0, eq).trim(),
        value: pair!.slice(eq + 1).trim(),
        host: hostname,
        path: pathname.lastIndexOf('/') > 0 ? pathname.slice(0, pathname.lastIndexOf('/')) : '/',
        expires: undefined,
      };
      for (const attribute of attributes) {
        const [k, v = ''] = attribute.split('=').map((s) => s.trim());
        const key = k!.toLowerCase();
        if (key === 'path' && v.startsWith('/')) cookie.path = v;
        else if (key === 'max-age') cookie.expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && cookie.expires === undefined) cookie.expires = Date.parse(v);
      }
      const id = `${cookie.host}|${cookie.path}|${cookie.name}`;
      if (cookie.expires !== undefined && cookie.expires <= Date.now()) this.cookies.delete(id);
      else this.cookies.set(id, cookie);
    }
  }

  /** The Cookie header a browser would send to `url`. */
  header(url: string | URL): string {
    const { hostname, pathname } = new URL(url);
    const now = Date.now();
    return [...this.cookies.values()]
      .filter(
        (c) =>
          c.host === hostname &&
          (c.expires === undefined || c.expires > now) &&
          (pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
      )
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(name: string): string | undefined {
    for (const c of this.cookies.values()) if (c.name === name) return c.value;
    return undefined;
  }

  /** A copy, e.g. to replay a request exactly as it was sent once before. */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [id, c] of this.cookies) copy.cookies.set(id, { ...c });
    return copy;
  }
}

/** One request with the jar's cookies, no automatic redirect; the jar keeps what it sets. */
export async function browse(jar: CookieJar, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const cookie = jar.header(url);
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie ? { cookie } : {}) },
  });
  jar.store(url, res);
  return res;
}

/** The absolute target of a redirect response (throws for anything else). */
export function redirectTarget(res: Response, base: string | URL): URL {
  const location = res.headers.get('location');
  if (res.status < 300 || res.status > 399 || !location) {
    throw new Error(`expected a redirect from ${base}, got ${res.status}`);
  }
  return new URL(location, base);
}
