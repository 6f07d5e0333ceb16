import { Pool } from 'undici';

/** The upstream: one keep-alive connection pool to INTERNAL_API_BASE_URL's origin. */
export interface Upstream {
  pool: Pool;
  origin: string;
  /** The base URL's own path without a trailing slash ('' for the root). */
  basePath: string;
  /** The base URL without a trailing slash, for rewriting Location headers. */
  baseUrl: string;
  timeoutMs: number;
}

export function createUpstream(baseUrl: string, options: { connections: number; timeoutMs: number }): Upstream {
  const url = new URL(baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, {
    connections: options.connections,
    // Fail a dead upstream fast as a 504, rather than after the OS's connect timeout.
    connectTimeout: Math.min(options.timeoutMs, 10_000),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
    pipelining: 1,
  });
  return { pool, origin: url.origin, basePath, baseUrl: url.origin + basePath, timeoutMs: options.timeoutMs };
}
