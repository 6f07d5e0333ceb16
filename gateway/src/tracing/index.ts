import type { Logger } from '../logger.js';
import type { TracingSettings } from './config.js';
import type { ProxyTracing } from './types.js';

export { type TracingSettings, tracingEnvShape, tracingSettings } from './config.js';
export type { ProxyTracing, RequestTrace, TraceStep } from './types.js';

/**
 * OpenTelemetry tracing of proxied requests, or null when it is off (the default): then the SDK is
 * never imported, and the proxy's only cost is checking that it holds no tracer.
 */
export async function startTracing(settings: TracingSettings | null, logger: Logger): Promise<ProxyTracing | null> {
  if (settings === null) return null;
  const { createOtelTracing } = await import('./otel.js');
  const tracing = createOtelTracing(settings);
  // Where spans go, never the headers (they usually carry a credential).
  logger.info(
    { endpoint: settings.url, sampler: settings.sampler, ratio: settings.ratio, trustIncoming: settings.trustIncoming },
    'tracing on: OTLP/HTTP (JSON) export of proxied requests',
  );
  return tracing;
}
