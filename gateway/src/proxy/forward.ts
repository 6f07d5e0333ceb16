import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type Dispatcher, errors } from 'undici';
import type { ErrorCode } from '../errors.js';
import { hasBody } from '../http/request-body.js';
import { pickTarget, targetAnswered, targetFailed } from './balancer.js';
import { appendClientResponseHeaders, type HeaderMap } from './headers.js';
import type { ProxyRoute } from './route-table.js';
import { joinTargetPath } from './target-path.js';
import type { Upstream } from './upstream.js';

export interface ForwardFailure {
  code: ErrorCode;
  detail: string;
  kind: 'connect' | 'timeout' | 'pool_wait' | 'aborted' | 'bad_request' | 'other';
  headers?: Record<string, string>;
}

/** No upstream connection became free within UPSTREAM_QUEUE_TIMEOUT_MS; the request was never sent. */
export class PoolWaitTimeoutError extends Error {
  override name = 'PoolWaitTimeoutError';
}

const RETRY_SOON = { 'Retry-After': '1' };

/** Maps an undici/socket error to what the client is told: 502 for a broken upstream, 504 for a slow one. */
export function classifyUpstreamError(err: unknown): ForwardFailure {
  const code = (err as { code?: string }).code ?? '';
  // 503, not 504: the upstream was never asked, so even a non-idempotent request is safe to retry.
  if (err instanceof PoolWaitTimeoutError) {
    return {
      code: 'SERVICE_UNAVAILABLE',
      detail: 'Every upstream connection is busy; the request was not sent. Retry shortly.',
      kind: 'pool_wait',
      headers: RETRY_SOON,
    };
  }
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

/** A failure that says the target is unwell (passive health): it could not be reached or did not answer in time. */
function isTargetFailure(err: unknown): boolean {
  const kind = classifyUpstreamError(err).kind;
  return kind === 'connect' || kind === 'timeout';
}

/** A failure to connect at all: the request never reached the target, so sending it elsewhere is safe. */
function isConnectFailure(err: unknown): boolean {
  return err instanceof errors.ConnectTimeoutError || classifyUpstreamError(err).kind === 'connect';
}

// RFC 9110 §9.2.2: methods whose repetition has the same effect as one request.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether `rest`, following a base URL or path, stays at or under it (`/v1x` is not under `/v1`). */
function continuesPath(rest: string): boolean {
  return rest === '' || rest[0] === '/' || rest[0] === '?' || rest[0] === '#';
}

/**
 * Rewrites a Location pointing into the upstream so the client follows it through the gateway: to
 * PUBLIC_URL when set; else to the scheme and host the client used (Host was validated at the
 * listener), or a path-only Location when the request named no host (HTTP/1.0).
 */
function rewriteLocation(location: string, upstream: Upstream, o: ForwardOptions): string {
  const publicPrefix = o.route.publicPrefix;
  const prefix = o.site ? `${o.site.path}${publicPrefix}` : publicPrefix;
  if (location.startsWith(upstream.baseUrl)) {
    const rest = location.slice(upstream.baseUrl.length);
    if (continuesPath(rest)) {
      if (o.site) return `${o.site.url}${publicPrefix}${rest}`;
      return o.host ? `${o.proto}://${o.host}${publicPrefix}${rest}` : `${publicPrefix}${rest}`;
    }
  }
  // A path-only Location under the base path, the base path itself included (`/v1`, `/v1?x`).
  if (upstream.basePath && location.startsWith(upstream.basePath)) {
    const rest = location.slice(upstream.basePath.length);
    if (continuesPath(rest)) return `${prefix}${rest}`;
  }
  if (!upstream.basePath && location[0] === '/' && location[1] !== '/') return `${prefix}${location}`;
  return location;
}

/** PUBLIC_URL taken apart once: `url` without a trailing slash, `path` '' or `/gw`. */
export interface PublicSite {
  url: string;
  path: string;
  proto: string;
  host: string;
}

export interface ForwardOptions {
  /** The route matched: its targets, retries and passive-health settings. */
  route: ProxyRoute;
  /** The request target for `target` (its base path + `rest`). */
  path: string;
  /** The validated part of the request target after the route's prefix, for a retry on another target. */
  rest: string;
  headers: HeaderMap;
  /** How the client reached the gateway, for a rewritten absolute Location. */
  proto: string;
  host: string | undefined;
  /** PUBLIC_URL, when set: rewritten Locations point there whatever the request said. */
  site: PublicSite | undefined;
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
 * One proxied exchange: streams the request to the upstream and the answer straight into the
 * client response, never buffering a whole body. It is an undici dispatch handler (the controller
 * API) rather than `pool.stream`, which per request also makes an AsyncResource, a promise around
 * a callback, a factory call and `stream.finished` on the response (half a dozen listeners), and
 * needs an abort signal object: together a few µs per request.
 * `done` resolves once the whole answer has been written to the client response; it rejects when
 * the upstream fails or the client leaves (before any byte reached the client if the upstream
 * failed to answer at all, so the caller can still send a problem document).
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly done: Promise<void>;
  /** True once `abort` was called: the client went away. */
  aborted = false;
  /** Body bytes read from the client and handed to the upstream connection. */
  requestBytes = 0;
  /** Body bytes of the upstream's answer written to the client. */
  responseBytes = 0;
  /** The upstream's final status, once its response started (0 until then). */
  status = 0;
  /** Milliseconds from sending the request to the upstream's response headers (-1 until then). */
  headersAfterMs = -1;
  private resolve!: () => void;
  private reject!: (err: Error) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private awaitingDrain = false;
  /** Armed only while the request waits in the pool's queue (the pool was saturated). */
  private waitTimer: NodeJS.Timeout | undefined;
  /** True once the wait for a connection ran out: the request must never be sent. */
  private expired = false;
  /** True once the target answered (a status line): from then on nothing is retried. */
  private answered = false;
  /** Attempts left on other targets should connecting fail (0 unless idempotent, bodiless and the route allows). */
  private retriesLeft = 0;
  private req: IncomingMessage | undefined;
  /** The client's request while its body is to be streamed (counted as it goes, see onRequestStart). */
  private body: IncomingMessage | null = null;
  /** Counts the request body's chunks; made only for requests that have a body. */
  private countBody: ((chunk: Buffer) => void) | null = null;

  constructor(
    private readonly res: ServerResponse,
    /** The target of the current attempt: the route's next one, then another for each retry. */
    private upstream: Upstream,
    private readonly o: ForwardOptions,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Sends the request upstream, streaming the client's body when it has one. */
  start(req: IncomingMessage): void {
    if (this.aborted) return;
    // A streamed body cannot be sent twice: only bodiless idempotent requests are ever retried.
    if (this.o.route.retries > 0 && IDEMPOTENT.has(req.method ?? 'GET') && !hasBody(req.headers)) {
      this.retriesLeft = this.o.route.retries;
      this.req = req;
    }
    if (hasBody(req.headers)) this.body = req;
    this.send(req, this.o.path);
  }

  private send(req: IncomingMessage, path: string): void {
    const upstream = this.upstream;
    // Undici's pool queue has no deadline of its own (UPSTREAM_TIMEOUT_MS starts once a request is
    // sent): a request that will have to queue gets a timer. The common case costs nothing.
    const queued = upstream.saturated;
    upstream.saturated = !upstream.pool.dispatch(
      {
        path,
        method: (req.method ?? 'GET') as 'GET',
        headers: this.o.headers,
        body: hasBody(req.headers) ? req : null,
      },
      this,
    );
    if (queued && this.controller === null && !this.aborted) {
      this.waitTimer = setTimeout(expireWait, upstream.queueTimeoutMs, this);
    }
  }

  /** The client went away: cancels the upstream request now, or as soon as undici starts it. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    if (this.controller) this.controller.abort(new errors.RequestAbortedError());
    // Still queued: settle now rather than when a connection frees up (undici then drops it unsent).
    else this.giveUp(new errors.RequestAbortedError());
  }

  /** The wait for a connection ran out: answered 503 now; undici drops the request when it gets to it. */
  expireWait(): void {
    this.waitTimer = undefined;
    if (this.controller !== null || this.aborted) return;
    this.expired = true;
    this.giveUp(new PoolWaitTimeoutError());
  }

  private giveUp(err: Error): void {
    clearTimeout(this.waitTimer);
    this.reject(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.waitTimer !== undefined) {
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
    }
    // Called before a byte is written: aborting here means the upstream never sees the request.
    if (this.aborted || this.expired) {
      controller.abort(new errors.RequestAbortedError());
      return;
    }
    // The body's bytes, counted as undici reads them. The listener goes on only now: undici attaches
    // its own 'data' listener synchronously after this call, and a listener added any earlier (the
    // request may wait in the pool's queue) would set the body flowing with nobody to take it.
    // (The controller API has no onBodySent; a body is never sent twice: retries are bodiless.)
    const body = this.body;
    if (body !== null && this.countBody === null) {
      this.countBody = (chunk: Buffer) => {
        this.requestBytes += chunk.length;
      };
      body.on('data', this.countBody);
    }
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (!this.answered) {
      this.answered = true;
      targetAnswered(this.upstream);
    }
    // 1xx answers are the upstream's business with us; the client gets the final one.
    if (statusCode < 200) return;
    const o = this.o;
    this.status = statusCode;
    this.headersAfterMs = performance.now() - o.startedAt;
    o.upstreamDuration.observe(this.headersAfterMs / 1000);
    const out = o.responseHeaders;
    const location = appendClientResponseHeaders(out, headers, o.ownedFields);
    if (location !== -1) {
      const value = out[location];
      if (typeof value === 'string') out[location] = rewriteLocation(value, this.upstream, o);
    }
    // One writeHead with a flat list: Node stores it as is, instead of a setHeader (validation,
    // lower-casing, a [name, value] entry) per field — about a dozen per proxied response.
    this.res.writeHead(statusCode, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.responseBytes += chunk.length;
    // Backpressure: a slow client pauses the upstream read until its socket drains.
    if (!this.res.write(chunk) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      controller.pause();
      this.res.once('drain', () => {
        this.awaitingDrain = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    this.res.end();
    this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (!this.answered && !this.aborted && !this.expired) {
      const route = this.o.route;
      if (isTargetFailure(err)) targetFailed(route, this.upstream);
      // Nothing reached the client yet (no status line came back) and the request never reached
      // the target: the next healthy target gets it.
      if (this.retriesLeft > 0 && this.req && isConnectFailure(err)) {
        this.retriesLeft--;
        // A wait for a connection that ended in this failure is over; the retry arms its own.
        clearTimeout(this.waitTimer);
        this.waitTimer = undefined;
        const previous = this.upstream;
        this.upstream = pickTarget(route, previous);
        this.controller = null;
        const path =
          this.upstream.basePath === previous.basePath
            ? this.o.path
            : joinTargetPath(this.upstream.basePath, this.o.rest);
        this.send(this.req, path);
        return;
      }
    }
    this.giveUp(err);
  }
}

/** Timer callback with the exchange as its argument: no closure per queued request. */
function expireWait(exchange: UpstreamExchange): void {
  exchange.expireWait();
}
