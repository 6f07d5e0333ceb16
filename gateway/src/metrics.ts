import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type LabelValues,
  Registry,
} from 'prom-client';
import { FastHistogram } from './fast-histogram.js';

/** One label set of a `SlottedCounter`: `inc()` is a plain addition. */
export interface CounterSlot {
  inc(): void;
}

/** A prom-client Counter whose hot label sets are counted in plain numbers (see `slottedCounter`). */
export type SlottedCounter<L extends string> = Counter<L> & { slot(labels: LabelValues<L>): CounterSlot };

/**
 * A Counter for the proxy's hot path. prom-client's `inc` validates and hashes the labels on every
 * call (~0.2 µs, more through `labels()`); a slot counts in a plain number instead, and the counts
 * are added to the counter whenever it is collected — on every scrape or read — so /metrics shows
 * exactly what it would otherwise.
 */
function slottedCounter<L extends string>(config: CounterConfiguration<L>): SlottedCounter<L> {
  const slots: { labels: LabelValues<L>; n: number }[] = [];
  const counter = new Counter<L>({
    ...config,
    collect() {
      for (const slot of slots) {
        if (slot.n === 0) continue;
        const n = slot.n;
        slot.n = 0;
        this.inc(slot.labels, n);
      }
    },
  });
  return Object.assign(counter, {
    slot(labels: LabelValues<L>): CounterSlot {
      const slot = { labels, n: 0 };
      slots.push(slot);
      return {
        inc() {
          slot.n++;
        },
      };
    },
  });
}

/**
 * Every Prometheus metric the gateway exposes at /metrics, on a registry of its own so that tests
 * can build several apps in one process without metric name clashes.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  let inFlight = () => 0;
  const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

  return {
    registry,
    httpRequests: slottedCounter({
      name: 'gateway_http_requests_total',
      help: 'Requests answered, by route class (proxy, management, system) and status code.',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    requestDuration: new FastHistogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from request start to response finish, by route class.',
      labelNames: ['route'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    upstreamDuration: new FastHistogram({
      name: 'gateway_upstream_duration_seconds',
      help: 'Time from sending the upstream request to receiving its response headers.',
      buckets: latencyBuckets,
      registers: [registry],
    }),
    upstreamErrors: new Counter({
      name: 'gateway_upstream_errors_total',
      help: 'Upstream failures, by kind (connect, timeout, aborted, other).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    rateLimitDecisions: slottedCounter({
      name: 'gateway_rate_limit_decisions_total',
      help: 'Rate-limit decisions, by result (allowed, denied) and backend (redis, memory, local-fallback, open, closed).',
      labelNames: ['result', 'backend'] as const,
      registers: [registry],
    }),
    rateLimitWindows: slottedCounter({
      name: 'gateway_rate_limit_window_checks_total',
      help: 'Windows checked per rate-limit decision, by window (minute, owner-month, …) and result: pass, refused (an enforced window that refused the request), shadow_refused (a shadow window that would have refused it).',
      labelNames: ['window', 'result'] as const,
      registers: [registry],
    }),
    rateLimitFailureMode: new Gauge({
      name: 'gateway_rate_limit_failure_mode_engaged',
      help: '1 while Redis is unreachable and RATE_LIMIT_FAILURE_MODE is in force, else 0.',
      registers: [registry],
    }),
    keyCache: slottedCounter({
      name: 'gateway_key_cache_lookups_total',
      help: 'API key cache lookups, by result (hit, negative_hit, miss, refused: over the unknown-key lookup budget).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'gateway_auth_failures_total',
      help: 'Rejected API keys, by reason (missing, malformed, unknown, disabled, expired, throttled, lookup_budget, rolled, ip, scope).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    proxyInFlight: new Gauge({
      name: 'gateway_proxy_in_flight_requests',
      help: "Proxied requests in progress on this replica, each holding one of its key's KEY_MAX_IN_FLIGHT slots.",
      registers: [registry],
      collect() {
        this.set(inFlight());
      },
    }),
    /** Tells `gateway_proxy_in_flight_requests` where to read its value when collected. */
    countInFlightWith(source: () => number) {
      inFlight = source;
    },
    usageBufferDepth: new Gauge({
      name: 'gateway_usage_buffer_depth',
      help: 'Usage records waiting in memory to be written.',
      registers: [registry],
    }),
    usageBufferBytes: new Gauge({
      name: 'gateway_usage_buffer_bytes',
      help: 'Bytes the usage records waiting in memory are charged against USAGE_BUFFER_MAX_BYTES.',
      registers: [registry],
    }),
    usageFlushed: new Counter({
      name: 'gateway_usage_records_flushed_total',
      help: 'Usage records written to the database.',
      registers: [registry],
    }),
    usageDropped: new Counter({
      name: 'gateway_usage_records_dropped_total',
      help: 'Usage records dropped because the buffer was full, in records or bytes (oldest first).',
      registers: [registry],
    }),
    usageFlushFailures: new Counter({
      name: 'gateway_usage_flush_failures_total',
      help: 'Failed attempts to write a batch of usage records (retried with backoff).',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
