import { Pool } from 'undici';

/**
 * One upstream target: a keep-alive connection pool to its origin (INTERNAL_API_BASE_URL's for the
 * default route, a route target's otherwise) and its passive-health state.
 */
export interface Upstream {
  pool: Pool;
  origin: string;
  /** The base URL's own path without a trailing slash ('' for the root). */
  basePath: string;
  /** The base URL without a trailing slash, for rewriting Location headers. */
  baseUrl: string;
  timeoutMs: number;
  /** How long a request may wait for a free connection (UPSTREAM_QUEUE_TIMEOUT_MS). */
  queueTimeoutMs: number;
  /**
   * True while every connection is busy, so that the next request waits in the pool's queue: from
   * `dispatch` returning false until the pool's 'drain' event (undici's documented contract).
   */
  saturated: boolean;
  /** Connection failures and timeouts in a row (passive health, see balancer.ts); a response resets it. */
  failures: number;
  /** `performance.now()` until which the target is out (0: in rotation). */
  ejectedUntil: number;
}

export function createUpstream(
  baseUrl: string,
  options: { connections: number; timeoutMs: number; queueTimeoutMs: number },
): Upstream {
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
  const upstream: Upstream = {
    pool,
    origin: url.origin,
    basePath,
    baseUrl: url.origin + basePath,
    timeoutMs: options.timeoutMs,
    queueTimeoutMs: options.queueTimeoutMs,
    saturated: false,
    failures: 0,
    ejectedUntil: 0,
  };
  pool.on('drain', () => {
    upstream.saturated = false;
  });
  return upstream;
}
