import { z } from 'zod';
import { ROUTE_NAME_MESSAGE, ROUTE_NAME_PATTERN, SCOPE_METHODS } from './key-access.js';

// ---- Verifying a key without proxying (`POST /keys/verify`) ----

/** `POST /keys/verify`: what an internal service that handles the traffic itself asks. */
export const VerifyKeyRequestSchema = z.strictObject({
  /** The raw API key the service's client sent. */
  key: z
    .string({ error: 'must be the API key as the client sent it' })
    .min(1, { error: 'must not be empty' })
    .max(200, {
      error: 'must be at most 200 characters',
    }),
  /** The route the request is for (scopes name routes); default: the route `path` matches, else `default`. */
  route: z.string().regex(ROUTE_NAME_PATTERN, { error: ROUTE_NAME_MESSAGE }).optional(),
  /** The request's path as it would follow `/proxy` (picks the route by prefix when `route` is absent). */
  path: z
    .string()
    .startsWith('/', { error: 'must start with /' })
    .max(2048, { error: 'must be at most 2048 characters' })
    .optional(),
  /** The request's method, for method scopes (default GET). */
  method: z.enum(SCOPE_METHODS, { error: `must be one of ${SCOPE_METHODS.join(', ')}` }).default('GET'),
  /** The client's address, for IP allow-lists; a key with an allow-list is refused without one. */
  ip: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' }).optional(),
  /** Units to count (default: the route's cost). */
  cost: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(1_000_000, { error: 'must be at most 1000000' })
    .optional(),
});
export type VerifyKeyRequest = z.input<typeof VerifyKeyRequestSchema>;

export const VerifyLimitSchema = z.object({
  /** The window's name as RateLimit-Policy gives it, e.g. `minute`, `owner-month`. */
  window: z.string(),
  unit: z.enum(['second', 'minute', 'hour', 'day', 'month']),
  scope: z.enum(['key', 'owner']),
  shadow: z.boolean(),
  limit: z.number().int(),
  remaining: z.number().int(),
  /** Seconds until the window frees capacity or rolls over. */
  reset: z.number().int(),
});
export type VerifyLimit = z.infer<typeof VerifyLimitSchema>;

/** 200 for every verification: `valid` says whether the request may go ahead, `code` why not. */
export const VerifyKeyResponseSchema = z.object({
  valid: z.boolean(),
  /** `VALID`, or the problem code the proxy would have answered (`INVALID_API_KEY`, `RATE_LIMITED`, …). */
  code: z.string(),
  /** What a person reads about a refusal; null when valid. */
  detail: z.string().nullable(),
  keyId: z.string().nullable(),
  userId: z.string().nullable(),
  /** The key's plan's name, or null. */
  plan: z.string().nullable(),
  /** The route checked and counted against. */
  route: z.string().nullable(),
  /** Every window after this request (empty when the key was refused before limits were checked). */
  limits: z.array(VerifyLimitSchema),
  /** Seconds to wait before retrying a RATE_LIMITED request. */
  retryAfterSeconds: z.number().int().nullable(),
});
export type VerifyKeyResponse = z.infer<typeof VerifyKeyResponseSchema>;

/** `GET /keys/:id/limits`: every window of the key (its plan's, its overrides, its owner's) right now. */
export const KeyLimitsResponseSchema = z.object({
  keyId: z.string(),
  plan: z.object({ id: z.string(), name: z.string(), timeZone: z.string() }).nullable(),
  /** In the plan's order; `remaining` and `reset` as a request now would see them, nothing counted. */
  windows: z.array(VerifyLimitSchema),
  /** `redis`, or `memory`/`local-fallback` when counters come from this replica only. */
  backend: z.string(),
});
export type KeyLimitsResponse = z.infer<typeof KeyLimitsResponseSchema>;
