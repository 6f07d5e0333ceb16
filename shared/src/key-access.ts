import { z } from 'zod';

/**
 * What a key may do and from where (scopes, IP allow-list), and rolling its secret: the parts of the
 * key contract that `POST /keys`, `PATCH /keys/:id` and `POST /keys/:id/roll` add to the seed's.
 */

export const MAX_KEY_SCOPES = 100;
export const MAX_ALLOWED_IPS = 100;
/** The longest grace period of `POST /keys/:id/roll`: 30 days. */
export const MAX_ROLL_GRACE_SECONDS = 30 * 86_400;

/** Methods a scope may name. Allowing GET allows HEAD too (RFC 9110 §9.3.2: HEAD is GET without a body). */
export const SCOPE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type ScopeMethod = (typeof SCOPE_METHODS)[number];

/** What a route's name looks like (`shared/src/routes.ts` names routes with it; scopes name them). */
export const ROUTE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;
export const ROUTE_NAME_MESSAGE = 'must be 1–63 lowercase letters, digits and "-", starting with a letter or digit';
export const ScopeRouteNameSchema = z.string({ error: 'must be a string' }).regex(ROUTE_NAME_PATTERN, {
  error: ROUTE_NAME_MESSAGE,
});

/** One route a key may call, optionally only with some methods (absent: every method). */
export const KeyScopeSchema = z.strictObject({
  route: ScopeRouteNameSchema,
  methods: z
    .array(z.enum(SCOPE_METHODS, { error: `must be one of ${SCOPE_METHODS.join(', ')}` }), {
      error: 'must be a list of HTTP methods',
    })
    .min(1, { error: 'must list at least one method (leave it out to allow every method)' })
    .max(SCOPE_METHODS.length, { error: `must list at most ${SCOPE_METHODS.length} methods` })
    // Stored and shown in one order, without duplicates, so equal scopes compare equal.
    .transform((methods) => SCOPE_METHODS.filter((m) => methods.includes(m)))
    .optional(),
});
export type KeyScope = z.output<typeof KeyScopeSchema>;

/** The routes a key may call; `null` (or leaving it out on create) allows every route. */
export const KeyScopesSchema = z
  .array(KeyScopeSchema, { error: 'must be a list of {route, methods?} or null' })
  .min(1, { error: 'must list at least one route (null allows every route)' })
  .max(MAX_KEY_SCOPES, { error: `must list at most ${MAX_KEY_SCOPES} routes` })
  .superRefine((scopes, ctx) => {
    const seen = new Set<string>();
    scopes.forEach((scope, i) => {
      if (seen.has(scope.route)) {
        ctx.addIssue({ code: 'custom', path: [i, 'route'], message: `lists route "${scope.route}" twice` });
      }
      seen.add(scope.route);
    });
  });

/** An address or CIDR subnet, IPv4 or IPv6 (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`). */
export const AllowedIpSchema = z.string({ error: 'must be a string' }).pipe(
  z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
    error: 'must be an IPv4 or IPv6 address or CIDR subnet (e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)',
  }),
);

/** The client addresses a key may be used from; `null` allows every address. */
export const AllowedIpsSchema = z
  .array(AllowedIpSchema, { error: 'must be a list of addresses or CIDR subnets, or null' })
  .min(1, { error: 'must list at least one address or subnet (null allows every address)' })
  .max(MAX_ALLOWED_IPS, { error: `must list at most ${MAX_ALLOWED_IPS} entries` });

/**
 * `POST /keys/:id/roll` – a new secret for the same key; the old one keeps working for `graceSeconds`
 * (0: stops at once). Answers `CreatedApiKey`: the new raw key, shown this once.
 */
export const RollKeyRequestSchema = z.strictObject({
  graceSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be at least 0' })
    .max(MAX_ROLL_GRACE_SECONDS, { error: `must be at most ${MAX_ROLL_GRACE_SECONDS} (30 days)` }),
});
export type RollKeyRequest = z.input<typeof RollKeyRequestSchema>;
