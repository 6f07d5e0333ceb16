import { z } from 'zod';
import { freeText, IdSchema, MAX_USAGE_PAGE, TopKeySchema } from './schemas.js';
import { UsageBucketSecondsSchema, usageWindowOrIssue } from './usage-window.js';

// The analytics API (issue 14 item 3): `GET /usage` (grouped stats and a series), `GET /usage/logs`
// (the raw request log, cursor-paged) and `GET /usage/export` (either of them streamed as CSV or
// NDJSON). Admins see every key; users only their own keys — the filters narrow further, never wider.

/** What `GET /usage` can group by. `user` is the key's owner; `status` the exact status code. */
export const USAGE_GROUP_BY = ['key', 'user', 'route', 'path', 'status', 'method'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

/** Groups `GET /usage` returns at most; the rest are summed into `other`. */
export const MAX_USAGE_TOP = 100;
export const DEFAULT_USAGE_TOP = 10;
/** Longest window a raw-log export may cover (grouped exports use the usual usage-window bound). */
export const MAX_USAGE_EXPORT_LOG_DAYS = 31;
export const USAGE_EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export const MAX_PATH_PREFIX_LENGTH = 1024;

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });
const HTTP_METHOD = /^[A-Z]{1,16}$/;

/** `status=404` (exact) or `status=4xx` (class). */
export const UsageStatusFilterSchema = z
  .string({ error: 'must be a status code or class' })
  .regex(/^([1-5][0-9][0-9]|[1-5]xx)$/, { error: 'must be a status code such as 404 or a class such as 4xx' });

/** Filters every analytics endpoint accepts; each narrows the actor's own visibility. */
export const usageFilterFields = {
  keyId: IdSchema.optional(),
  userId: IdSchema.optional(),
  /** A route's name; `default` is the implicit route to INTERNAL_API_BASE_URL. */
  route: freeText()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' })
    .optional(),
  status: UsageStatusFilterSchema.optional(),
  method: freeText()
    .transform((m) => m.toUpperCase())
    .pipe(z.string().regex(HTTP_METHOD, { error: 'must be an HTTP method such as GET' }))
    .optional(),
  /** Stored paths (after `/proxy`) starting with this, e.g. `/v1/orders`. */
  pathPrefix: freeText()
    .max(MAX_PATH_PREFIX_LENGTH, { error: `must be at most ${MAX_PATH_PREFIX_LENGTH} characters` })
    .regex(/^\//, { error: 'must start with /' })
    .optional(),
};

const windowFields = { from: isoDateTime.optional(), to: isoDateTime.optional() };

/**
 * `GET /usage?from=&to=&bucketSeconds=&groupBy=&top=&<filters>`: totals, latency, a series and, with
 * `groupBy`, the top `top` groups by requests plus `other` for the rest. Window bounds as per-key usage.
 */
export const UsageAnalyticsQuerySchema = z
  .strictObject({
    ...windowFields,
    bucketSeconds: UsageBucketSecondsSchema.optional(),
    groupBy: z.enum(USAGE_GROUP_BY, { error: `must be one of ${USAGE_GROUP_BY.join(', ')}` }).optional(),
    top: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_USAGE_TOP, { error: `must be at most ${MAX_USAGE_TOP}` })
      .default(DEFAULT_USAGE_TOP),
    ...usageFilterFields,
  })
  .transform(usageWindowOrIssue);
export type UsageAnalyticsQuery = z.input<typeof UsageAnalyticsQuerySchema>;
export type ResolvedUsageAnalyticsQuery = z.output<typeof UsageAnalyticsQuerySchema>;

const count = z.number().int();
const LatencySchema = z.object({
  avg: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

export const UsageGroupSchema = z.object({
  /** The group's value: a key or user id, a route name, a path, a status code ("404"), a method. */
  value: z.string(),
  /** What a person reads: key name (and start), user email, null where `value` says it all. */
  label: z.string().nullable(),
  requests: count,
  /** 4xx and 5xx answers (429 included). */
  errors: count,
  rateLimited: count,
  latencyMs: LatencySchema,
  requestBytes: count,
  responseBytes: count,
});
export type UsageGroup = z.infer<typeof UsageGroupSchema>;

export const UsageAnalyticsResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  bucketSeconds: count,
  totals: z.object({
    requests: count,
    byStatusClass: z.object({ '2xx': count, '3xx': count, '4xx': count, '5xx': count }),
    rateLimited: count,
    requestBytes: count,
    responseBytes: count,
  }),
  /** Errors over requests; null without traffic. */
  errorRate: z.number().nullable(),
  rateLimitedRate: z.number().nullable(),
  latencyMs: LatencySchema,
  series: z.array(z.object({ t: z.string(), requests: count, errors: count, rateLimited: count })),
  groupBy: z.enum(USAGE_GROUP_BY).nullable(),
  groups: z.array(UsageGroupSchema),
  /** Everything outside the top groups, summed; null when nothing is left over. */
  other: z
    .object({
      groups: count,
      requests: count,
      errors: count,
      rateLimited: count,
      requestBytes: count,
      responseBytes: count,
    })
    .nullable(),
  /** Keys that sent at least one request in the window (within the filters). */
  activeKeys: count,
  /** The admin overview's lists (kept from the earlier `GET /usage`): ten keys each. */
  topKeysByRequests: z.array(TopKeySchema),
  topKeysByErrors: z.array(TopKeySchema),
});
export type UsageAnalyticsResponse = z.infer<typeof UsageAnalyticsResponseSchema>;

/** `GET /usage/logs?from=&to=&limit=&cursor=&<filters>` – newest first. */
export const UsageLogsQuerySchema = z
  .strictObject({
    ...windowFields,
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_USAGE_PAGE, { error: `must be at most ${MAX_USAGE_PAGE}` })
      .default(50),
    cursor: freeText()
      .max(200, { error: 'is not a valid cursor' })
      .regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a valid cursor' })
      .optional(),
    ...usageFilterFields,
  })
  .transform(usageWindowOrIssue);
export type UsageLogsQuery = z.input<typeof UsageLogsQuerySchema>;

export const UsageLogRecordSchema = z.object({
  id: z.string(),
  timestamp: z.string(),
  keyId: IdSchema,
  keyName: z.string().nullable(),
  userId: IdSchema.nullable(),
  route: z.string(),
  method: z.string(),
  path: z.string(),
  statusCode: count,
  latencyMs: z.number(),
  requestBytes: count,
  responseBytes: count,
  /** Only with USAGE_LOG_CLIENT_IP=true (off by default: personal data). */
  clientIp: z.string().nullable(),
});
export type UsageLogRecord = z.infer<typeof UsageLogRecordSchema>;

export const UsageLogsResponseSchema = z.object({
  data: z.array(UsageLogRecordSchema),
  nextCursor: z.string().nullable(),
});
export type UsageLogsResponse = z.infer<typeof UsageLogsResponseSchema>;

/**
 * `GET /usage/export?format=csv|ndjson&from=&to=&groupBy=&<filters>` – without `groupBy` the raw log
 * (window at most MAX_USAGE_EXPORT_LOG_DAYS), with it the whole grouped table (no top-N cut).
 */
export const UsageExportQuerySchema = z
  .strictObject({
    ...windowFields,
    format: z.enum(USAGE_EXPORT_FORMATS, { error: `must be one of ${USAGE_EXPORT_FORMATS.join(', ')}` }),
    groupBy: z.enum(USAGE_GROUP_BY, { error: `must be one of ${USAGE_GROUP_BY.join(', ')}` }).optional(),
    ...usageFilterFields,
  })
  .transform(usageWindowOrIssue)
  .superRefine((q, ctx) => {
    if (!q.groupBy && q.to.getTime() - q.from.getTime() > MAX_USAGE_EXPORT_LOG_DAYS * 86_400_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `a request-log export covers at most ${MAX_USAGE_EXPORT_LOG_DAYS} days: export several windows`,
      });
    }
  });
export type UsageExportQuery = z.input<typeof UsageExportQuerySchema>;
