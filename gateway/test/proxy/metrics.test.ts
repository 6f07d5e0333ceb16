import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { metricValue, scrapeMetrics } from '../support/metrics.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

describe.each([
  ['postgres', true, 'redis'],
  ['pglite', false, 'memory'],
] as const)('/metrics after proxy traffic (%s, redis: %s)', (backend, redis, limiterBackend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let text: string;
  const value = (name: string, labels?: Record<string, string>) => metricValue(text, name, labels);

  // Known traffic on a fresh gateway: 5 admitted, 3 rate-limited, one missing and one unknown key.
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, redis, upstreamUrl: upstream.url });
    const { key } = await createKey(gw, { limitPerMinute: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await fetch(`${gw.url}/proxy/m`, { headers: { 'x-api-key': key } })).status);
    }
    statuses.push((await fetch(`${gw.url}/proxy/m`)).status);
    statuses.push((await fetch(`${gw.url}/proxy/m`, { headers: { 'x-api-key': generateApiKey().key } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 401, 401]);
    // Wait for the usage writer, then take one scrape for every assertion.
    text = await eventually(async () => {
      const t = await scrapeMetrics(gw.managementUrl);
      expect(metricValue(t, 'gateway_usage_records_flushed_total')).toBe(8);
      return t;
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('counts proxy answers by status', () => {
    expect(value('gateway_http_requests_total', { route: 'proxy', status: '200' })).toBe(5);
    expect(value('gateway_http_requests_total', { route: 'proxy', status: '429' })).toBe(3);
    expect(value('gateway_http_requests_total', { route: 'proxy', status: '401' })).toBe(2);
  });

  it('counts management answers apart from proxy answers', () => {
    expect(value('gateway_http_requests_total', { route: 'management', status: '201' })).toBe(2);
  });

  it('has a gateway latency histogram over every proxy answer and an upstream one over forwarded requests', () => {
    expect(value('gateway_request_duration_seconds_count', { route: 'proxy' })).toBe(10);
    expect(value('gateway_request_duration_seconds_sum', { route: 'proxy' })).toBeGreaterThan(0);
    expect(value('gateway_request_duration_seconds_bucket', { route: 'proxy', le: '+Inf' })).toBe(10);
    expect(value('gateway_upstream_duration_seconds_count')).toBe(5);
    expect(value('gateway_upstream_duration_seconds_sum')).toBeGreaterThan(0);
  });

  it('counts rate-limit decisions by result and backend', () => {
    expect(value('gateway_rate_limit_decisions_total', { result: 'allowed', backend: limiterBackend })).toBe(5);
    expect(value('gateway_rate_limit_decisions_total', { result: 'denied', backend: limiterBackend })).toBe(3);
    expect(value('gateway_rate_limit_failure_mode_engaged')).toBe(0);
  });

  it('counts key-cache hits and misses', () => {
    // The known key: one miss then seven hits; the unknown key: one miss (then cached as unknown).
    expect(value('gateway_key_cache_lookups_total', { result: 'miss' })).toBe(2);
    expect(value('gateway_key_cache_lookups_total', { result: 'hit' })).toBe(7);
  });

  it('counts rejected keys by reason', () => {
    expect(value('gateway_auth_failures_total', { reason: 'missing' })).toBe(1);
    expect(value('gateway_auth_failures_total', { reason: 'unknown' })).toBe(1);
  });

  it('reports the usage writer: all flushed, nothing buffered, dropped or failed', () => {
    expect(value('gateway_usage_records_flushed_total')).toBe(8);
    expect(value('gateway_usage_buffer_depth')).toBe(0);
    expect(value('gateway_usage_records_dropped_total')).toBe(0);
    expect(value('gateway_usage_flush_failures_total')).toBe(0);
    expect(value('gateway_upstream_errors_total')).toBe(0);
  });
});
