import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from 'undici';
import type { ErrorCode } from '../errors.js';
import type { RequestAbort } from './abort-signal.js';
import { clientResponseHeaders, type HeaderMap } from './headers.js';
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
function rewriteLocation(location: string, upstream: Upstream, publicBase: string): string {
  if (location.startsWith(upstream.baseUrl)) {
    const rest = location.slice(upstream.baseUrl.length);
    if (continuesPath(rest)) return `${publicBase}/proxy${rest}`;
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
  publicBase: string;
  /** Called with the upstream's status once its headers arrive (for metrics and usage). */
  onHeaders: (statusCode: number) => void;
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
): Promise<void> {
  const method = req.method ?? 'GET';
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  return upstream.pool
    .stream(
      {
        path: o.path,
        method: method as 'GET',
        headers: o.headers,
        body: hasBody ? req : null,
        // undici takes EventEmitter-shaped signals too; RequestAbort is the minimal one.
        signal: o.signal as AbortSignal | EventEmitter,
      },
      ({ statusCode, headers }) => {
        o.onHeaders(statusCode);
        const out = clientResponseHeaders(headers);
        const location = out.location;
        if (typeof location === 'string') out.location = rewriteLocation(location, upstream, o.publicBase);
        res.statusCode = statusCode;
        // X-Request-Id and the rate-limit fields are already set by the gateway; an upstream's
        // fields of the same name (a legacy limiter, its own request id) would contradict them.
        for (const name in out) if (!res.hasHeader(name)) res.setHeader(name, out[name]!);
        return res;
      },
    )
    .then(() => undefined);
}
