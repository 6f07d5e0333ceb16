import { z } from 'zod';
import { ERROR_STATUS } from './errors.js';

// Limits for a single key. Bounded so a typo cannot create a key that overflows counters.
export const MAX_LIMIT_PER_MINUTE = 1_000_000;
export const MAX_LIMIT_PER_DAY = 1_000_000_000;
export const MAX_KEY_NAME_LENGTH = 100;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_USAGE_PAGE = 100;
export const DEFAULT_USAGE_PAGE = 20;

export const IdSchema = z.uuid({ error: 'must be a UUID' });

export const EmailSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .max(MAX_EMAIL_LENGTH, { error: `must be at most ${MAX_EMAIL_LENGTH} characters` })
  .pipe(z.email({ error: 'must be a valid email address' }))
  .transform((email) => email.toLowerCase());

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

const KeyNameSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(MAX_KEY_NAME_LENGTH, { error: `must be at most ${MAX_KEY_NAME_LENGTH} characters` });

const limitSchema = (max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .positive({ error: 'must be at least 1' })
    .max(max, { error: `must be at most ${max}` });

export const LimitPerMinuteSchema = limitSchema(MAX_LIMIT_PER_MINUTE);
export const LimitPerDaySchema = limitSchema(MAX_LIMIT_PER_DAY);

// ---- Users and sessions ----

export const LoginRequestSchema = z.strictObject({ email: EmailSchema });
export type LoginRequest = z.input<typeof LoginRequestSchema>;

export const UserSchema = z.object({
  id: IdSchema,
  email: z.string(),
  createdAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const LoginResponseSchema = z.object({
  user: UserSchema,
  token: z.string(),
  expiresAt: z.string(),
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const UserByEmailQuerySchema = z.strictObject({ email: EmailSchema });

export const SessionResponseSchema = z.object({
  user: UserSchema.nullable(),
  role: z.enum(['admin', 'user']),
  expiresAt: z.string().nullable(),
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

// ---- API keys ----

export const CreateKeyRequestSchema = z.strictObject({
  userId: IdSchema.optional(),
  name: KeyNameSchema.optional(),
  limitPerMinute: LimitPerMinuteSchema.optional(),
  limitPerDay: LimitPerDaySchema.optional(),
  expiresAt: isoDateTime.nullable().optional(),
});
export type CreateKeyRequest = z.input<typeof CreateKeyRequestSchema>;

export const UpdateKeyRequestSchema = z
  .strictObject({
    active: z.boolean({ error: 'must be true or false' }).optional(),
    name: KeyNameSchema.optional(),
    limitPerMinute: LimitPerMinuteSchema.optional(),
    limitPerDay: LimitPerDaySchema.optional(),
    expiresAt: isoDateTime.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'at least one field must be given' });
export type UpdateKeyRequest = z.input<typeof UpdateKeyRequestSchema>;

export const ListKeysQuerySchema = z.strictObject({ userId: IdSchema.optional() });

export const ApiKeySchema = z.object({
  id: IdSchema,
  userId: IdSchema,
  name: z.string(),
  start: z.string(),
  active: z.boolean(),
  limitPerMinute: z.number().int(),
  limitPerDay: z.number().int(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const ListKeysResponseSchema = z.object({ data: z.array(ApiKeySchema) });
export type ListKeysResponse = z.infer<typeof ListKeysResponseSchema>;

// ---- Usage ----

export const UsageQuerySchema = z
  .strictObject({
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_USAGE_PAGE, { error: `must be at most ${MAX_USAGE_PAGE}` })
      .default(DEFAULT_USAGE_PAGE),
    cursor: z
      .string()
      .max(200, { error: 'is not a valid cursor' })
      .regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a valid cursor' })
      .optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    error: '`from` must be before `to`',
    path: ['from'],
  });
export type UsageQuery = z.input<typeof UsageQuerySchema>;

export const UsageLogEntrySchema = z.object({
  id: z.string(),
  method: z.string(),
  path: z.string(),
  statusCode: z.number().int(),
  latencyMs: z.number(),
  timestamp: z.string(),
});
export type UsageLogEntry = z.infer<typeof UsageLogEntrySchema>;

export const UsageResponseSchema = z.object({
  keyId: IdSchema,
  from: z.string(),
  to: z.string(),
  bucketSeconds: z.number().int(),
  totals: z.object({
    requests: z.number().int(),
    byStatusClass: z.object({
      '2xx': z.number().int(),
      '3xx': z.number().int(),
      '4xx': z.number().int(),
      '5xx': z.number().int(),
    }),
    rateLimited: z.number().int(),
  }),
  latencyMs: z.object({
    avg: z.number().nullable(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
  }),
  series: z.array(z.object({ t: z.string(), requests: z.number().int(), errors: z.number().int() })),
  recent: z.array(UsageLogEntrySchema),
  nextCursor: z.string().nullable(),
});
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

// ---- Errors ----

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
  requestId: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;
