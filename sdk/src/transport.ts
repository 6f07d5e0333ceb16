import { ProblemSchema } from '@gateway/shared';
import type { z } from 'zod';
import { type Failure, failure, type Result } from './result.js';

/** How to reach and authenticate to the gateway's management listener. */
export interface ClientOptions {
  /** The management listener (MANAGEMENT_PORT), e.g. `http://localhost:3002`; never the proxy listener. */
  baseUrl: string;
  /**
   * A management API token (`gwt_…`) or the bootstrap `ADMIN_API_TOKEN`, sent as `Authorization: Bearer`.
   * Omitted: the browser's HttpOnly session cookie is sent instead (`credentials: 'include'`).
   */
  token?: string | undefined;
  /** Overrides the default: `'omit'` with a token (no stray cookies), `'include'` without one. */
  credentials?: RequestCredentials;
  /** Gives up on a request after this many milliseconds (a `network` failure). Default: never. */
  timeoutMs?: number | undefined;
  /** Extra headers on every request (e.g. a `user-agent` of your tool). */
  headers?: Record<string, string>;
  /** A `fetch` of your own (tests, instrumentation); default: the global one (Node 20+, browsers). */
  fetch?: typeof fetch;
}

export type QueryValue = string | number | boolean | undefined | null;
export type Query = Record<string, QueryValue>;

export interface Call<T> {
  query?: object | undefined;
  body?: unknown;
  /** The contract of the answer; omitted for 204 answers. */
  schema?: z.ZodType<T>;
}

/** The one place that talks HTTP: every method of the client goes through `call` or `stream`. */
export interface Transport {
  readonly baseUrl: string;
  call<T>(method: string, path: string, options?: Call<T>): Promise<Result<T>>;
  /** For exports: the successful `Response` with its body unread (stream it), or the failure. */
  stream(method: string, path: string, query?: object): Promise<Result<Response>>;
}

/** `?a=1&b=x`, leaving out undefined, null and empty values (the gateway validates the rest). */
export function urlOf(root: string, path: string, query: object = {}): string {
  const url = new URL(root + path);
  for (const [name, value] of Object.entries(query as Query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** `Retry-After` is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** An error answer as a failure: the RFC 9457 problem when it is one, else what can be said about it. */
export async function failureFrom(response: Response): Promise<Failure> {
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  const body: unknown = await response.json().catch(() => undefined);
  const problem = ProblemSchema.safeParse(body);
  if (problem.success) {
    return failure('problem', problem.data.detail || problem.data.title, { problem: problem.data, retryAfterSeconds });
  }
  // Not our problem shape (a load balancer's page, another service on that port): keep the status.
  const loose = body as { detail?: unknown; title?: unknown } | undefined;
  const text = typeof loose?.detail === 'string' ? loose.detail : typeof loose?.title === 'string' ? loose.title : '';
  return failure('invalid-response', text || `The gateway answered ${response.status} ${response.statusText}.`.trim(), {
    status: response.status,
    retryAfterSeconds,
  });
}

export function createTransport(options: ClientOptions): Transport {
  if (!/^https?:\/\//i.test(options.baseUrl)) {
    throw new TypeError(`baseUrl must be an http(s) URL, got "${options.baseUrl}"`);
  }
  const root = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const credentials = options.credentials ?? (options.token ? 'omit' : 'include');
  const baseHeaders: Record<string, string> = {
    accept: 'application/json, application/problem+json',
    ...options.headers,
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  };

  async function send(
    method: string,
    path: string,
    query: object | undefined,
    body: unknown,
  ): Promise<Result<Response>> {
    const headers = body === undefined ? baseHeaders : { ...baseHeaders, 'content-type': 'application/json' };
    let response: Response;
    try {
      response = await fetchImpl(urlOf(root, path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials,
        cache: 'no-store',
        ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      const why = timedOut ? `no answer within ${options.timeoutMs} ms` : describeCause(cause);
      return failure('network', `Cannot reach the gateway at ${root} (${why}).`, { cause });
    }
    if (!response.ok) return failureFrom(response);
    return { ok: true, data: response, status: response.status };
  }

  return {
    baseUrl: root,

    async call<T>(method: string, path: string, call: Call<T> = {}): Promise<Result<T>> {
      const sent = await send(method, path, call.query, call.body);
      if (!sent.ok) return sent;
      const response = sent.data;
      if (!call.schema || response.status === 204) {
        await response.body?.cancel();
        return { ok: true, data: undefined as T, status: response.status };
      }
      const json: unknown = await response.json().catch(() => undefined);
      const parsed = call.schema.safeParse(json);
      if (!parsed.success) {
        const where = parsed.error.issues[0]?.path.join('.') || 'body';
        return failure(
          'invalid-response',
          `The gateway answered ${method} ${path} in an unexpected shape (${where}).`,
          {
            status: response.status,
            cause: parsed.error,
          },
        );
      }
      return { ok: true, data: parsed.data, status: response.status };
    },

    stream: (method, path, query) => send(method, path, query, undefined),
  };
}

/** Node's fetch hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`; say it. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause as { code?: unknown; message?: unknown } | undefined;
  if (inner && typeof inner.code === 'string') return inner.code;
  if (inner && typeof inner.message === 'string') return inner.message;
  return cause.message;
}
