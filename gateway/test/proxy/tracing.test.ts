import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { type CreatedKey, createKey } from '../support/proxy-client.js';
import { createRoute } from '../support/routes.js';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
// A caller's W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header).
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER_PARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('/proxy tracing (OpenTelemetry, OTLP/HTTP)', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let gw: TestGateway;
  let trusting: TestGateway;
  let untraced: TestGateway;
  let k: CreatedKey;

  const tracingEnv = (extra: Record<string, string> = {}) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_SERVICE_NAME: 'gateway-under-test',
    ...extra,
  });

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    receiver = await startOtlpReceiver();
    gw = await startTestGateway({ backend: 'pglite', upstreamUrl: upstream.url, env: tracingEnv() });
    trusting = await startTestGateway({
      backend: 'pglite',
      upstreamUrl: upstream.url,
      env: tracingEnv({ OTEL_TRUST_INCOMING_TRACE: 'true' }),
    });
    untraced = await startTestGateway({ backend: 'pglite', upstreamUrl: upstream.url });
    k = await createKey(gw);
  });
  afterAll(async () => {
    await Promise.all([gw?.stop(), trusting?.stop(), untraced?.stop()]);
    await upstream?.close();
    await receiver?.close();
  });

  /** The spans of the request the upstream saw last (by the trace id in its traceparent). */
  async function traceSeenLast(parts: number) {
    const traceparent = String(upstream.seen.at(-1)!.headers.traceparent);
    const [, traceId, upstreamSpanId] = TRACEPARENT.exec(traceparent) ?? [];
    expect(traceId, `traceparent at the upstream: ${traceparent}`).toBeDefined();
    const spans = await eventually(() => {
      const found = receiver.spans.filter((s) => s.traceId === traceId);
      expect(found).toHaveLength(parts);
      return found;
    });
    return { spans, traceId: traceId!, upstreamSpanId: upstreamSpanId! };
  }

  it('exports a server span with auth, rate-limit and upstream children; the upstream continues the trace', async () => {
    const res = await fetch(`${gw.url}/proxy/orders/7?api_key=${k.key}&x=1`);
    expect(res.status).toBe(200);
    const { spans, upstreamSpanId } = await traceSeenLast(4);
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server).toBeDefined();
    expect(server.parentSpanId).toBe('');
    expect(server.name).toBe('GET /proxy/*');
    expect(server.resource['service.name']).toBe('gateway-under-test');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/proxy/orders/7',
      'http.route': '/proxy/*',
      'http.response.status_code': 200,
      'gateway.route': 'default',
      'gateway.key.id': k.id,
      'gateway.user.id': k.userId,
      'gateway.request_id': res.headers.get('x-request-id'),
    });
    const children = spans.filter((s) => s.parentSpanId === server.spanId);
    expect(children.map((s) => s.name).sort()).toEqual(['auth', 'rate-limit', 'upstream']);
    const limit = children.find((s) => s.name === 'rate-limit')!;
    expect(limit.attributes).toMatchObject({
      'gateway.rate_limit.decision': 'allowed',
      'gateway.rate_limit.backend': 'memory',
      'gateway.rate_limit.cost': 1,
    });
    const call = children.find((s) => s.name === 'upstream')!;
    expect(call.kind).toBe(CLIENT);
    // The upstream's traceparent names the upstream span as its parent.
    expect(call.spanId).toBe(upstreamSpanId);
    expect(call.attributes).toMatchObject({ 'http.response.status_code': 200, 'server.address': '127.0.0.1' });
    expect(call.attributes['gateway.upstream.latency_ms']).toBeTypeOf('number');
    expect(call.attributes['url.path']).toBe('/orders/7');
  });

  it('never exports the raw key, its hash or the query string', async () => {
    await fetch(`${gw.url}/proxy/secret-check?api_key=${k.key}&token=abc123`);
    await traceSeenLast(4);
    const exported = receiver.bodies.join('\n');
    expect(exported).not.toContain(k.key);
    expect(exported).not.toContain(createHash('sha256').update(k.key).digest('hex'));
    expect(exported).not.toContain('abc123');
  });

  it("starts a new trace for an untrusted caller's traceparent, links it, and drops its tracestate", async () => {
    const res = await fetch(`${gw.url}/proxy/linked`, {
      headers: { 'x-api-key': k.key, traceparent: CALLER_PARENT, tracestate: 'vendor=opaque' },
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!.headers;
    expect(seen.tracestate).toBeUndefined();
    const { spans, traceId } = await traceSeenLast(4);
    expect(traceId).not.toBe(CALLER_TRACE);
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.parentSpanId).toBe('');
    expect(server.links).toEqual([{ traceId: CALLER_TRACE, spanId: CALLER_SPAN }]);
  });

  it('joins a trusted caller’s trace (OTEL_TRUST_INCOMING_TRACE=true) and passes its tracestate on', async () => {
    const key = await createKey(trusting);
    const res = await fetch(`${trusting.url}/proxy/joined`, {
      headers: { 'x-api-key': key.key, traceparent: CALLER_PARENT, tracestate: 'vendor=opaque' },
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!.headers;
    expect(seen.tracestate).toBe('vendor=opaque');
    const { spans, traceId } = await traceSeenLast(4);
    expect(traceId).toBe(CALLER_TRACE);
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.links).toEqual([]);
  });

  it('traces refusals: a rate-limited request says which window refused it, and is no server error', async () => {
    const limited = await createKey(gw, { limitPerMinute: 1 });
    expect((await fetch(`${gw.url}/proxy/a`, { headers: { 'x-api-key': limited.key } })).status).toBe(200);
    const refused = await fetch(`${gw.url}/proxy/b`, { headers: { 'x-api-key': limited.key } });
    expect(refused.status).toBe(429);
    const requestId = refused.headers.get('x-request-id');
    const server = await eventually(() => {
      const found = receiver.spans.find((s) => s.kind === SERVER && s.attributes['gateway.request_id'] === requestId);
      expect(found).toBeDefined();
      return found!;
    });
    expect(server.attributes['http.response.status_code']).toBe(429);
    expect(server.status).not.toBe(ERROR);
    const children = await eventually(() => {
      const found = receiver.spans.filter((s) => s.parentSpanId === server.spanId);
      expect(found.map((s) => s.name).sort()).toEqual(['auth', 'rate-limit']);
      return found;
    });
    expect(children.find((s) => s.name === 'rate-limit')!.attributes).toMatchObject({
      'gateway.rate_limit.decision': 'refused',
      'gateway.rate_limit.refused_by': 'minute',
    });
  });

  it('marks an upstream that cannot be reached as an error, and its log line carries trace_id and span_id', async () => {
    await createRoute(gw, { name: 'dead', prefix: '/dead', targets: ['http://127.0.0.1:1'] });
    const res = await eventually(async () => {
      const r = await fetch(`${gw.url}/proxy/dead/x`, { headers: { 'x-api-key': k.key } });
      expect(r.status).toBe(502);
      return r;
    });
    const requestId = res.headers.get('x-request-id');
    const server = await eventually(() => {
      const found = receiver.spans.find((s) => s.kind === SERVER && s.attributes['gateway.request_id'] === requestId);
      expect(found).toBeDefined();
      return found!;
    });
    expect(server.status).toBe(ERROR);
    expect(server.name).toBe('GET /proxy/dead/*');
    const call = await eventually(() => {
      const found = receiver.spans.find((s) => s.parentSpanId === server.spanId && s.name === 'upstream');
      expect(found).toBeDefined();
      return found!;
    });
    expect(call.status).toBe(ERROR);
    expect(call.attributes['error.type']).toBe('connect');
    const line = gw
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'upstream request failed' && l.requestId === requestId);
    expect(line).toMatchObject({ trace_id: server.traceId, span_id: server.spanId });
  });

  it('is off by default: nothing is exported and a traceparent passes through untouched', async () => {
    const before = receiver.requests.length;
    const key = await createKey(untraced);
    const res = await fetch(`${untraced.url}/proxy/plain`, {
      headers: { 'x-api-key': key.key, traceparent: CALLER_PARENT, tracestate: 'vendor=opaque' },
    });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!.headers;
    expect(seen.traceparent).toBe(CALLER_PARENT);
    expect(seen.tracestate).toBe('vendor=opaque');
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests.length).toBe(before);
    expect(untraced.logs()).not.toContain('tracing on');
  });
});
