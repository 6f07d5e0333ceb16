import type { IncomingMessage } from 'node:http';
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from './config.js';
import type { ProxyTracing, RequestTrace, TraceStep, TraceValue } from './types.js';

/*
 * The OpenTelemetry SDK behind `ProxyTracing`; imported only when tracing is on (tracing/index.ts).
 * No global provider, propagator or context manager is registered: the proxy hands each span its
 * parent explicitly, so nothing else in the process pays for tracing (an AsyncLocalStorage context
 * manager would tax every promise).
 */

const propagator = new W3CTraceContextPropagator();

function samplerOf(settings: TracingSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.ratio);
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

class Step implements TraceStep {
  constructor(private readonly span: Span) {}

  set(name: string, value: TraceValue): void {
    this.span.setAttribute(name, value);
  }

  end(error?: string): void {
    if (error !== undefined) this.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    this.span.end();
  }
}

export function createOtelTracing(settings: TracingSettings): ProxyTracing {
  const exporter = new OTLPTraceExporter({
    url: settings.url,
    headers: settings.headers,
    timeoutMillis: settings.timeoutMs,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
    }),
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor(exporter, settings.batch)],
  });
  const tracer = provider.getTracer('api-gateway');

  class Request implements RequestTrace {
    readonly traceId: string;
    readonly spanId: string;
    private readonly span: Span;
    private readonly context: Context;
    /** Honoured caller context: the upstream also gets its tracestate. */
    private readonly honoured: boolean;

    constructor(req: IncomingMessage, method: string, path: string, honourIncoming: boolean) {
      const incoming = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const caller = trace.getSpanContext(incoming);
      // An untrusted caller's context is not our parent (it could pick trace ids or force sampling),
      // but is kept as a link so its trace can still be found from ours.
      const links: Link[] | undefined = caller && !honourIncoming ? [{ context: caller }] : undefined;
      const parent = honourIncoming ? incoming : ROOT_CONTEXT;
      this.honoured = honourIncoming && caller !== undefined;
      this.span = tracer.startSpan(
        method,
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path },
          links,
        },
        parent,
      );
      this.context = trace.setSpan(parent, this.span);
      const ids = this.span.spanContext();
      this.traceId = ids.traceId;
      this.spanId = ids.spanId;
    }

    set(name: string, value: TraceValue): void {
      this.span.setAttribute(name, value);
    }

    rename(name: string): void {
      this.span.updateName(name);
    }

    step(name: string): TraceStep {
      return new Step(tracer.startSpan(name, { kind: SpanKind.INTERNAL }, this.context));
    }

    upstream(headers: Record<string, string | string[]>, attributes: Record<string, TraceValue>): TraceStep {
      const span = tracer.startSpan('upstream', { kind: SpanKind.CLIENT, attributes }, this.context);
      // The client's own fields never reach the upstream as they came: ours replace them, and an
      // untrusted caller's tracestate (vendor data for a trace we did not join) is dropped.
      delete headers.traceparent;
      delete headers.tracestate;
      propagator.inject(trace.setSpan(this.context, span), headers, defaultTextMapSetter);
      if (!this.honoured) delete headers.tracestate;
      return new Step(span);
    }

    end(statusCode: number): void {
      this.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      // A server span is an error only when the server failed (HTTP semantic conventions): 5xx.
      if (statusCode >= 500) {
        this.span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
        this.span.setStatus({ code: SpanStatusCode.ERROR });
      }
      this.span.end();
    }
  }

  return {
    trustIncoming: settings.trustIncoming,
    begin: (req, method, path, honourIncoming) => new Request(req, method, path, honourIncoming),
    shutdown: () => provider.shutdown(),
  };
}
