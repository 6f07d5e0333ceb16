import { z } from 'zod';
import { ERROR_STATUS } from './errors.js';
import { AllowedIpsSchema, KeyScopesSchema, SCOPE_METHODS } from './key-access.js';
import { UsageBucketSecondsSchema, usageWindowOrIssue } from './usage-window.js';

// Limits for a single key. Bounded so a typo cannot create a key that overflows counters.
export const MAX_LIMIT_PER_MINUTE = 1_000_000;
export const MAX_LIMIT_PER_DAY = 1_000_000_000;
export const MAX_KEY_NAME_LENGTH = 100;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_USAGE_PAGE = 100;
export const DEFAULT_USAGE_PAGE = 20;

export const IdSchema = z.uuid({ error: 'must be a UUID' });

/**
 * C0 controls (U+0000–U+001F, NUL, TAB and line breaks included), DEL and the C1 controls
 * (U+007F–U+009F). PostgreSQL refuses NUL in text (SQLSTATE 22021, a 500 before this check); the others
 * break logs, CSV exports and single-line UI. No free-text field of the API is multi-line, so TAB and
 * newlines are refused everywhere too.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
export const NO_CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';

/**
 * The building block of every free-text field a client sends (bodies and query strings): a string
 * without control characters, checked before any trimming so `"name\n"` is refused, not silently cut.
 */
export const freeText = () =>
  z
    .string({ error: 'must be a string' })
    .refine((s) => !CONTROL_CHARACTERS.test(s), { error: NO_CONTROL_CHARACTERS_MESSAGE, abort: true });

export const EmailSchema = freeText()
  .trim()
  .max(MAX_EMAIL_LENGTH, { error: `must be at most ${MAX_EMAIL_LENGTH} characters` })
  .pipe(z.email({ error: 'must be a valid email address' }))
  .transform((email) => email.toLowerCase());

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

const KeyNameSchema = freeText()
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

// ---- Users, roles and sign-in ----

export const ROLES = ['admin', 'user'] as const;
export const RoleSchema = z.enum(ROLES, { error: 'must be "admin" or "user"' });
export type Role = z.infer<typeof RoleSchema>;

export const UserSchema = z.object({
  id: IdSchema,
  email: z.string(),
  role: RoleSchema,
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
});
export type User = z.infer<typeof UserSchema>;

/** `POST /auth/email` – ask for a one-time sign-in link (always 202: no account enumeration). */
export const EmailSignInRequestSchema = z.strictObject({ email: EmailSchema });
export type EmailSignInRequest = z.input<typeof EmailSignInRequestSchema>;
export const EmailSignInResponseSchema = z.object({ status: z.literal('sent'), expiresInSeconds: z.number().int() });
export type EmailSignInResponse = z.infer<typeof EmailSignInResponseSchema>;

/** `POST /auth/email/verify` – exchange the link's token (bound to its email) for a session. */
export const VerifyEmailRequestSchema = z.strictObject({
  email: EmailSchema,
  token: freeText().min(1, { error: 'must not be empty' }).max(200, { error: 'is not a valid sign-in token' }),
});
export type VerifyEmailRequest = z.input<typeof VerifyEmailRequestSchema>;

/** A signed-in session: what verify and the OIDC callback yield (the token also travels as a cookie). */
export const SignInResponseSchema = z.object({
  user: UserSchema,
  token: z.string(),
  expiresAt: z.string(),
});
export type SignInResponse = z.infer<typeof SignInResponseSchema>;

/** `GET /auth/providers` – what the sign-in page may offer (public). */
export const AuthProvidersResponseSchema = z.object({
  email: z.object({ enabled: z.boolean(), devMailbox: z.boolean() }),
  oidc: z.object({ name: z.string(), startUrl: z.string() }).nullable(),
});
export type AuthProvidersResponse = z.infer<typeof AuthProvidersResponseSchema>;

/** Who is calling: a signed-in user, a management API token or the bootstrap admin token. */
export const CredentialKindSchema = z.enum(['session', 'token', 'bootstrap']);
export type CredentialKind = z.infer<typeof CredentialKindSchema>;

/** `GET /auth/session` */
export const SessionResponseSchema = z.object({
  user: UserSchema.nullable(),
  role: RoleSchema,
  credential: CredentialKindSchema,
  /** For API tokens: its scope. Sessions and the bootstrap token may write. */
  scope: z.enum(['read', 'write', 'verify']),
  expiresAt: z.string().nullable(),
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

/**
 * `GET /auth/session/status` – like `GET /auth/session`, but 200 without a valid session too: the
 * sign-in page asks it, and a 401 there would be logged by the browser as a console error.
 */
export const SessionStatusResponseSchema = z.discriminatedUnion('signedIn', [
  z.object({ signedIn: z.literal(false) }),
  z.object({ signedIn: z.literal(true), session: SessionResponseSchema }),
]);
export type SessionStatusResponse = z.infer<typeof SessionStatusResponseSchema>;

/** `POST /users` (admins) – create or get a user by email without signing in as them. */
export const CreateUserRequestSchema = z.strictObject({ email: EmailSchema, role: RoleSchema.optional() });
export type CreateUserRequest = z.input<typeof CreateUserRequestSchema>;
export const CreateUserResponseSchema = z.object({ user: UserSchema });
export type CreateUserResponse = z.infer<typeof CreateUserResponseSchema>;

export const UserByEmailQuerySchema = z.strictObject({ email: EmailSchema });

const pageLimit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback);

const CursorSchema = freeText()
  .max(200, { error: 'is not a valid cursor' })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a valid cursor' });

const SearchSchema = freeText().trim().max(254, { error: 'must be at most 254 characters' });

export const MAX_LIST_PAGE = 200;
export const DEFAULT_LIST_PAGE = 50;

/** `GET /users?search=&role=&limit=&cursor=` (admins) */
export const ListUsersQuerySchema = z.strictObject({
  search: SearchSchema.optional(),
  role: RoleSchema.optional(),
  limit: pageLimit(MAX_LIST_PAGE, DEFAULT_LIST_PAGE),
  cursor: CursorSchema.optional(),
});
export const UserSummarySchema = UserSchema.extend({ keyCount: z.number().int() });
export type UserSummary = z.infer<typeof UserSummarySchema>;
export const ListUsersResponseSchema = z.object({
  data: z.array(UserSummarySchema),
  nextCursor: z.string().nullable(),
});
export type ListUsersResponse = z.infer<typeof ListUsersResponseSchema>;

/** `PATCH /users/:id` (admins) – promote or demote; the last admin cannot be demoted. */
export const UpdateUserRequestSchema = z.strictObject({ role: RoleSchema });
export type UpdateUserRequest = z.input<typeof UpdateUserRequestSchema>;

// ---- Consumer caps (admin-set limits on what users may give themselves) ----

export const SettingsSchema = z.object({
  /** Most keys one user may hold (admins may create more for them). */
  maxKeysPerUser: z.number().int(),
  /** Highest per-minute / per-day limit a user may set on their own keys. */
  maxLimitPerMinute: z.number().int(),
  maxLimitPerDay: z.number().int(),
});
export type Settings = z.infer<typeof SettingsSchema>;
/** `GET /settings` and `PATCH /settings`: the caps, and the limits a key gets when created without any. */
export const SettingsResponseSchema = SettingsSchema.extend({
  /** DEFAULT_LIMIT_PER_MINUTE / DEFAULT_LIMIT_PER_DAY (read-only); a user's own keys get at most their caps. */
  keyDefaults: z.object({ limitPerMinute: z.number().int(), limitPerDay: z.number().int() }),
});
export type SettingsResponse = z.infer<typeof SettingsResponseSchema>;

export const UpdateSettingsRequestSchema = z
  .strictObject({
    maxKeysPerUser: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be at least 0' })
      .max(100_000, { error: 'must be at most 100000' })
      .optional(),
    maxLimitPerMinute: limitSchema(MAX_LIMIT_PER_MINUTE).optional(),
    maxLimitPerDay: limitSchema(MAX_LIMIT_PER_DAY).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'at least one field must be given' });
export type UpdateSettingsRequest = z.input<typeof UpdateSettingsRequestSchema>;

// ---- Management API tokens (automation) ----

/** `read`: GETs; `write`: everything an admin may (but tokens and roles); `verify`: only `POST /keys/verify`. */
export const TokenScopeSchema = z.enum(['read', 'write', 'verify'], { error: 'must be "read", "write" or "verify"' });
export type TokenScope = z.infer<typeof TokenScopeSchema>;

export const CreateTokenRequestSchema = z.strictObject({
  name: KeyNameSchema,
  scope: TokenScopeSchema,
  expiresAt: isoDateTime.nullable().optional(),
});
export type CreateTokenRequest = z.input<typeof CreateTokenRequestSchema>;

export const ApiTokenSchema = z.object({
  id: IdSchema,
  name: z.string(),
  scope: TokenScopeSchema,
  /** Displayable beginning, e.g. `gwt_4Fq9`. */
  start: z.string(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
export const CreatedApiTokenSchema = ApiTokenSchema.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof CreatedApiTokenSchema>;
export const ListTokensResponseSchema = z.object({ data: z.array(ApiTokenSchema) });
export type ListTokensResponse = z.infer<typeof ListTokensResponseSchema>;

// ---- Audit log ----

export const AUDIT_ACTIONS = [
  'auth.sign_in',
  'auth.sign_out',
  'auth.sign_out_all',
  'user.create',
  'user.role_change',
  'key.create',
  'key.update',
  'key.enable',
  'key.disable',
  'key.delete',
  'key.roll',
  'key.end_grace',
  'token.create',
  'token.revoke',
  'settings.update',
  'webhook.create',
  'webhook.update',
  'webhook.delete',
  'webhook.rotate_secret',
  'webhook.disable',
  'route.create',
  'route.update',
  'route.delete',
  'plan.create',
  'plan.update',
  'plan.delete',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS, { error: 'is not a known audit action' });
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({
    kind: z.enum(['user', 'token', 'bootstrap', 'system']),
    id: z.string().nullable(),
    label: z.string().nullable(),
  }),
  action: AuditActionSchema,
  target: z.object({ type: z.string(), id: z.string().nullable(), label: z.string().nullable() }),
  /** Changed non-secret fields: `{ field: { from, to } }`. */
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditQuerySchema = z
  .strictObject({
    action: AuditActionSchema.optional(),
    actorId: freeText().max(100).optional(),
    targetId: freeText().max(100).optional(),
    /** Entries about this user (as actor or owner of the target). Admins only. */
    userId: IdSchema.optional(),
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    limit: pageLimit(MAX_LIST_PAGE, DEFAULT_LIST_PAGE),
    cursor: CursorSchema.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    error: '`from` must be before `to`',
    path: ['from'],
  });
export type AuditQuery = z.input<typeof AuditQuerySchema>;
export const ListAuditResponseSchema = z.object({ data: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });
export type ListAuditResponse = z.infer<typeof ListAuditResponseSchema>;

// ---- API keys ----

export const CreateKeyRequestSchema = z.strictObject({
  userId: IdSchema.optional(),
  name: KeyNameSchema.optional(),
  /** The key's plan (admins only); with a plan, the limits below are optional overrides. */
  planId: IdSchema.nullable().optional(),
  limitPerMinute: LimitPerMinuteSchema.nullable().optional(),
  limitPerDay: LimitPerDaySchema.nullable().optional(),
  expiresAt: isoDateTime.nullable().optional(),
  scopes: KeyScopesSchema.nullable().optional(),
  allowedIps: AllowedIpsSchema.nullable().optional(),
});
export type CreateKeyRequest = z.input<typeof CreateKeyRequestSchema>;

export const UpdateKeyRequestSchema = z
  .strictObject({
    active: z.boolean({ error: 'must be true or false' }).optional(),
    name: KeyNameSchema.optional(),
    /** Admins only; null takes the key off its plan. */
    planId: IdSchema.nullable().optional(),
    /** null: no override (the plan's key minute window, or DEFAULT_LIMIT_PER_MINUTE without a plan). */
    limitPerMinute: LimitPerMinuteSchema.nullable().optional(),
    limitPerDay: LimitPerDaySchema.nullable().optional(),
    expiresAt: isoDateTime.nullable().optional(),
    scopes: KeyScopesSchema.nullable().optional(),
    allowedIps: AllowedIpsSchema.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'at least one field must be given' });
export type UpdateKeyRequest = z.input<typeof UpdateKeyRequestSchema>;

export const KEY_STATES = ['active', 'disabled', 'expired'] as const;

/** `GET /keys?userId=&search=&state=&limit=&cursor=` – newest first; a user sees only their own. */
export const ListKeysQuerySchema = z.strictObject({
  userId: IdSchema.optional(),
  /** Matches the key's name (substring, any case) or the beginning of the key (`ak_7Kq2`). */
  search: SearchSchema.optional(),
  state: z.enum(KEY_STATES, { error: 'must be "active", "disabled" or "expired"' }).optional(),
  limit: pageLimit(MAX_LIST_PAGE, DEFAULT_LIST_PAGE),
  cursor: CursorSchema.optional(),
});

export const ApiKeySchema = z.object({
  id: IdSchema,
  userId: IdSchema,
  name: z.string(),
  start: z.string(),
  active: z.boolean(),
  /** Disabled by an admin: the owner cannot enable it again. */
  disabledByAdmin: z.boolean(),
  /** The key's plan, or null (then its two limits are its only windows). */
  planId: IdSchema.nullable(),
  /** The key's own limits; on a plan, overrides of the plan's key minute/day windows (null: the plan's). */
  limitPerMinute: z.number().int().nullable(),
  limitPerDay: z.number().int().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  /** Routes (and methods) the key may call; null: every route. */
  scopes: z.array(z.object({ route: z.string(), methods: z.array(z.enum(SCOPE_METHODS)).optional() })).nullable(),
  /** Client addresses and subnets the key may be used from; null: every address. */
  allowedIps: z.array(z.string()).nullable(),
  /** An admin set the scopes or allow-list: the owner may only narrow them. */
  restrictedByAdmin: z.boolean(),
  /**
   * The secret replaced by the last roll, while it is remembered: it works until `expiresAt` (the end
   * of the grace period). `lastUsedAt` (written at most once a minute) shows whether traffic moved.
   */
  previousSecret: z.object({ start: z.string(), expiresAt: z.string(), lastUsedAt: z.string().nullable() }).nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const ListKeysResponseSchema = z.object({ data: z.array(ApiKeySchema), nextCursor: z.string().nullable() });
export type ListKeysResponse = z.infer<typeof ListKeysResponseSchema>;

// ---- Usage ----

/**
 * `GET /usage/:keyId?from=&to=&bucketSeconds=&limit=&cursor=`. Parses to the resolved window (see
 * `usage-window.ts` for its bounds); a window or series out of bounds is a 400 naming the field.
 */
export const UsageQuerySchema = z
  .strictObject({
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    bucketSeconds: UsageBucketSecondsSchema.optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(MAX_USAGE_PAGE, { error: `must be at most ${MAX_USAGE_PAGE}` })
      .default(DEFAULT_USAGE_PAGE),
    cursor: CursorSchema.optional(),
  })
  .transform(usageWindowOrIssue);
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

/** `GET /usage?from=&to=&bucketSeconds=` (admins) – traffic across every key; same bounds as above. */
export const OverviewQuerySchema = z
  .strictObject({
    from: isoDateTime.optional(),
    to: isoDateTime.optional(),
    bucketSeconds: UsageBucketSecondsSchema.optional(),
  })
  .transform(usageWindowOrIssue);
export type OverviewQuery = z.input<typeof OverviewQuerySchema>;

export const TopKeySchema = z.object({
  keyId: IdSchema,
  name: z.string(),
  start: z.string(),
  userId: IdSchema,
  email: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  rateLimited: z.number().int(),
});
export type TopKey = z.infer<typeof TopKeySchema>;

export const OverviewResponseSchema = UsageResponseSchema.omit({ keyId: true, recent: true, nextCursor: true }).extend({
  /** Requests answered 5xx or 4xx (429 included) over all requests; null without traffic. */
  errorRate: z.number().nullable(),
  /** Keys that sent at least one request in the window. */
  activeKeys: z.number().int(),
  topKeysByRequests: z.array(TopKeySchema),
  topKeysByErrors: z.array(TopKeySchema),
});
export type OverviewResponse = z.infer<typeof OverviewResponseSchema>;

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
