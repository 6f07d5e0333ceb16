import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from 'undici';
import type { ErrorCode } from '../errors.js';
import type { RequestAbort } from './abort-signal.js';
import { appendClientResponseHeaders, type HeaderMap } from './headers.js';
import type { Upstream } from './upstream.js';

export interface ForwardFailure {
  code: ErrorCode;
  detail: string;
  kind: 'connect' | 'timeout' | 'aborted' | 'bad_request' | 'other';
}

/** Maps an undici/socket error to what the client is told: 502 for a broken upstream, 504 for a slow one. */
export function classifyUpstreamError(err: unknown): ForwardFailure {
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.ConnectTimeoutError || code === 'ETIMEDOUT') {
    return { code: 'GATEWAY_TIMEOUT', detail: 'The upstream API did not answer in time.', kind: 'timeout' };
  }
  if (err instanceof errors.RequestAbortedError || code === 'UND_ERR_ABORTED' || (err as Error).name === 'AbortError') {
    return { code: 'BAD_REQUEST', detail: 'The client went away.', kind: 'aborted' };
  }
  if (err instanceof errors.RequestContentLengthMismatchError) {
    return { code: 'BAD_REQUEST', detail: 'The request body did not match its Content-Length.', kind: 'bad_request' };
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return { code: 'BAD_GATEWAY', detail: 'The upstream API could not be reached.', kind: 'connect' };
  }
  return { code: 'BAD_GATEWAY', detail: 'The upstream API failed to answer properly.', kind: 'other' };
}

/** Whether `rest`, following a base URL or path, stays at or under it (`/v1x` is not under `/v1`). */
function continuesPath(rest: string): boolean {
  return rest === '' || rest[0] === '/' || rest[0] === '?' || rest[0] === '#';
}

/** Rewrites a Location pointing into the upstream so the client follows it through the gateway. */
function rewriteLocation(location: string, upstream: Upstream, o: ForwardOptions): string {
  if (location.startsWith(upstream.baseUrl)) {
    const rest = location.slice(upstream.baseUrl.length);
    if (continuesPath(rest)) return `${o.proto}://${o.host ?? 'localhost'}/proxy${rest}`;
  }
  // A path-only Location under the base path, the base path itself included (`/v1`, `/v1?x`).
  if (upstream.basePath && location.startsWith(upstream.basePath)) {
    const rest = location.slice(upstream.basePath.length);
    if (continuesPath(rest)) return `/proxy${rest}`;
  }
  if (!upstream.basePath && location[0] === '/' && location[1] !== '/') return `/proxy${location}`;
  return location;
}

export interface ForwardOptions {
  path: string;
  headers: HeaderMap;
  /** Cancels the upstream request (the client went away). */
  signal: AbortSignal | RequestAbort;
  /** How the client reached the gateway, for a rewritten absolute Location. */
  proto: string;
  host: string | undefined;
  /**
   * The gateway's own response fields (request id, rate limit), flat: `[name, value, …]`. The
   * upstream's fields are appended and the whole list goes out in one `writeHead`; an upstream
   * field named in `ownedFields` is dropped, since it would contradict the gateway's.
   */
  responseHeaders: (string | string[])[];
  ownedFields: ReadonlySet<string>;
  /** `performance.now()` when the request was sent: the upstream's time to headers goes to `upstreamDuration`. */
  startedAt: number;
  upstreamDuration: { observe(seconds: number): void };
}

/**
 * Streams the request to the upstream and the answer back, never buffering a whole body.
 * `pool.stream` writes straight into the client response: no intermediate Readable per request.
 * Rejects before any byte reaches the client when the upstream fails to answer.
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
  o: ForwardOptions,
): Promise<unknown> {
  const method = req.method ?? 'GET';
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  return upstream.pool.stream(
    {
      path: o.path,
      method: method as 'GET',
      headers: o.headers,
      body: hasBody ? req : null,
      // undici takes EventEmitter-shaped signals too; RequestAbort is the minimal one.
      signal: o.signal as AbortSignal | EventEmitter,
    },
    ({ statusCode, headers }) => {
      o.upstreamDuration.observe((performance.now() - o.startedAt) / 1000);
      const out = o.responseHeaders;
      const location = appendClientResponseHeaders(out, headers, o.ownedFields);
      if (location !== -1) {
        const value = out[location];
        if (typeof value === 'string') out[location] = rewriteLocation(value, upstream, o);
      }
      // One writeHead with a flat list: Node stores it as is, instead of a setHeader (validation,
      // lower-casing, a [name, value] entry) per field — about a dozen per proxied response.
      res.writeHead(statusCode, out);
      return res;
    },
  );
}
