import { z } from 'zod';
import { bool, int } from '../config-fields.js';

/**
 * The OpenTelemetry variables the gateway reads (the standard `OTEL_*` names, and one of its own,
 * OTEL_TRUST_INCOMING_TRACE), as fields of the config schema (config.ts spreads them in, so they
 * are parsed once at boot with everything else). Tracing is off unless asked for: see
 * `tracingSettings`.
 */

const httpUrl = z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
  error: 'must be an http:// or https:// URL',
});

/** `key=value,key=value` with percent-encoded values (the W3C Baggage-like form OTEL_* lists use). */
function keyValueList(value: string, ctx: z.RefinementCtx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? '' : part.slice(0, eq).trim();
    let decoded: string | undefined;
    try {
      decoded = eq === -1 ? undefined : decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      decoded = undefined;
    }
    // The value is never echoed: OTEL_EXPORTER_OTLP_HEADERS usually carries a credential.
    if (key === '' || decoded === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of key=value (values percent-encoded)' });
      return {};
    }
    out[key] = decoded;
  }
  return out;
}
const keyValues = z.string().transform(keyValueList);

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** Who may make a proxied request part of their trace (README "Tracing"). */
export const TRUST_INCOMING = ['false', 'true', 'proxies'] as const;

export const tracingEnvShape = {
  OTEL_SDK_DISABLED: bool.default(false),
  /** `otlp` turns tracing on (at the default endpoint unless one is set); `none` keeps it off. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValues.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValues.optional(),
  /** OTLP/HTTP with JSON bodies is what this gateway sends; any other protocol is refused at boot. */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/json']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/json']).optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: int(1, 600_000).optional(),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: int(1, 600_000).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('api-gateway'),
  OTEL_RESOURCE_ATTRIBUTES: keyValues.optional(),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' })
    .optional(),
  OTEL_BSP_SCHEDULE_DELAY: int(1, 600_000).default(5_000),
  OTEL_BSP_EXPORT_TIMEOUT: int(1, 600_000).default(30_000),
  OTEL_BSP_MAX_QUEUE_SIZE: int(1, 1_000_000).default(2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: int(1, 1_000_000).default(512),
  OTEL_TRUST_INCOMING_TRACE: z.enum(TRUST_INCOMING).default('false'),
};

type TracingEnv = z.output<z.ZodObject<typeof tracingEnvShape>>;

/** Tracing as configured, when it is on. */
export interface TracingSettings {
  /** Where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  sampler: (typeof SAMPLERS)[number];
  /** The ratio of the `*traceidratio` samplers. */
  ratio: number;
  batch: {
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
  /** `true`: every caller's traceparent is honoured; `proxies`: only through a TRUST_PROXY proxy; `false`: none. */
  trustIncoming: (typeof TRUST_INCOMING)[number];
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

/**
 * Null (tracing off, the default) unless OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint is set;
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keep it off whatever else is set.
 */
export function tracingSettings(env: TracingEnv): TracingSettings | null {
  if (env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') return null;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_TRACES_EXPORTER !== 'otlp' && endpoint === undefined && tracesEndpoint === undefined) return null;
  // OTLP/HTTP: the signal's own endpoint is used as is; the general one gets the signal's path.
  const url = tracesEndpoint ?? `${(endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '')}/v1/traces`;
  return {
    url,
    headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    timeoutMs: env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10_000,
    serviceName: env.OTEL_SERVICE_NAME,
    resourceAttributes: env.OTEL_RESOURCE_ATTRIBUTES ?? {},
    sampler: env.OTEL_TRACES_SAMPLER,
    ratio: env.OTEL_TRACES_SAMPLER_ARG ?? 1,
    batch: {
      scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: env.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: env.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, env.OTEL_BSP_MAX_QUEUE_SIZE),
    },
    trustIncoming: env.OTEL_TRUST_INCOMING_TRACE,
  };
}
