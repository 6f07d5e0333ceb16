import type { IncomingMessage } from 'node:http';
import type { TracingSettings } from './config.js';

/*
 * What the proxy sees of tracing. Nothing here imports OpenTelemetry: with tracing off (the
 * default) the SDK is never loaded, and the proxy holds no `ProxyTracing` at all.
 */

export type TraceValue = string | number | boolean;

/** One step of a proxied request (auth, rate limit, upstream): a child span of its server span. */
export interface TraceStep {
  set(name: string, value: TraceValue): void;
  /** Ends the step; with `error`, marked as failed with that description. */
  end(error?: string): void;
}

/** A proxied request's trace: its server span, from the request's start to its response's end. */
export interface RequestTrace {
  /** For log lines (`trace_id`, `span_id`): the server span's ids. */
  readonly traceId: string;
  readonly spanId: string;
  set(name: string, value: TraceValue): void;
  /** Names the span once the route is known (`GET /proxy/v1`; until then just the method). */
  rename(name: string): void;
  step(name: string): TraceStep;
  /**
   * The upstream call (a client span). Writes its context into `headers` as `traceparent` (and
   * `tracestate` when the trace has one), replacing whatever the client sent under those names.
   */
  upstream(headers: Record<string, string | string[]>, attributes: Record<string, TraceValue>): TraceStep;
  /** Ends the server span with the status the client got. */
  end(statusCode: number): void;
}

export interface ProxyTracing {
  readonly trustIncoming: TracingSettings['trustIncoming'];
  /**
   * Starts the server span of a proxied request. With `honourIncoming`, the request's own
   * `traceparent`/`tracestate` make it part of the caller's trace; without, a caller's context is
   * only linked and a new trace starts.
   */
  begin(req: IncomingMessage, method: string, path: string, honourIncoming: boolean): RequestTrace;
  /** Exports what is buffered and stops (shutdown). */
  shutdown(): Promise<void>;
}
