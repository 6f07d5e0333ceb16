import { z } from 'zod';
import { ROUTE_NAME_MESSAGE, ROUTE_NAME_PATTERN } from './key-access.js';
import { freeText, IdSchema } from './schemas.js';

// ---- Routes: path prefixes under /proxy and the upstream targets they forward to ----

export const MAX_ROUTE_TARGETS = 16;
export const MAX_ROUTE_RETRIES = 3;
export const MAX_ROUTE_COST = 1_000_000;
export const MAX_ROUTE_PREFIX_LENGTH = 200;
export const MAX_ROUTE_TARGET_LENGTH = 2_048;
/** The implicit route (`/` → INTERNAL_API_BASE_URL) answers to this name; only a route on `/` may take it. */
export const DEFAULT_ROUTE_NAME = 'default';
export const DEFAULT_EJECT_AFTER_FAILURES = 3;
export const DEFAULT_EJECT_COOLDOWN_MS = 30_000;

/** A slug: scopes on keys and the declarative config file name routes by it. */
export const RouteNameSchema = freeText().regex(ROUTE_NAME_PATTERN, { error: ROUTE_NAME_MESSAGE });

// One segment: RFC 3986 unreserved characters only, so the prefix the gateway matches on the raw
// request path is the prefix an upstream sees after decoding (no `%..` spelling of it exists).
const PREFIX_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * Normalises a route prefix: starts with `/`, no trailing `/` (except the root `/` itself). Returns
 * null for anything else than `/`-separated segments of unreserved characters (no `.`/`..`, no
 * empty segment, no query or percent-encoding).
 */
export function normaliseRoutePrefix(input: string): string | null {
  if (input === '/') return '/';
  if (!input.startsWith('/')) return null;
  const trimmed = input.endsWith('/') ? input.slice(0, -1) : input;
  const segments = trimmed.slice(1).split('/');
  for (const s of segments) {
    if (!PREFIX_SEGMENT.test(s) || s === '.' || s === '..') return null;
  }
  return trimmed;
}

export const RoutePrefixSchema = freeText()
  .max(MAX_ROUTE_PREFIX_LENGTH, { error: `must be at most ${MAX_ROUTE_PREFIX_LENGTH} characters` })
  .transform((value, ctx) => {
    const prefix = normaliseRoutePrefix(value);
    if (prefix === null) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be a path such as "/" or "/v1/orders": segments of letters, digits, "-", "_", "." and "~" (no "." or ".." segment)',
      });
      return z.NEVER;
    }
    return prefix;
  });

/**
 * An upstream base URL: absolute http(s), optional path, no credentials, query or fragment. Kept
 * without a trailing `/` so `base + "/rest"` never doubles a slash.
 */
export const RouteTargetSchema = freeText()
  .max(MAX_ROUTE_TARGET_LENGTH, { error: `must be at most ${MAX_ROUTE_TARGET_LENGTH} characters` })
  .transform((value, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (!URL.canParse(value)) return fail('must be an absolute http:// or https:// URL');
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must start with http:// or https://');
    if (url.username || url.password) return fail('must not contain credentials');
    if (value.includes('?') || value.includes('#')) return fail('must not contain a query or fragment');
    return url.origin + url.pathname.replace(/\/+$/, '');
  });

const whole = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const RouteTargetsSchema = z
  .array(RouteTargetSchema, { error: 'must be a list of URLs' })
  .min(1, { error: 'must name at least one target' })
  .max(MAX_ROUTE_TARGETS, { error: `must name at most ${MAX_ROUTE_TARGETS} targets` })
  .refine((targets) => new Set(targets).size === targets.length, { error: 'must not name a target twice' });

const routeFields = {
  name: RouteNameSchema,
  prefix: RoutePrefixSchema,
  targets: RouteTargetsSchema,
  /** Per-request upstream timeout; null → UPSTREAM_TIMEOUT_MS. */
  timeoutMs: whole(100, 600_000).nullable(),
  /** Extra attempts for idempotent requests without a body when connecting fails. */
  retries: whole(0, MAX_ROUTE_RETRIES),
  stripPrefix: z.boolean({ error: 'must be true or false' }),
  enabled: z.boolean({ error: 'must be true or false' }),
  /** What one request counts against the key's limits. */
  cost: whole(1, MAX_ROUTE_COST),
  /** Passive health: connection failures or timeouts in a row that take a target out… */
  ejectAfterFailures: whole(1, 100),
  /** …for this long, after which it is tried again. */
  ejectCooldownMs: whole(100, 3_600_000),
};

const defaultNameOnRoot = (route: { name?: string | undefined; prefix?: string | undefined }) =>
  route.name !== DEFAULT_ROUTE_NAME || route.prefix === '/';
const DEFAULT_NAME_MESSAGE = `"${DEFAULT_ROUTE_NAME}" names the route on "/" only`;

/** `POST /routes` (admins) */
export const CreateRouteRequestSchema = z
  .strictObject({
    name: routeFields.name,
    prefix: routeFields.prefix,
    targets: routeFields.targets,
    timeoutMs: routeFields.timeoutMs.default(null),
    retries: routeFields.retries.default(0),
    stripPrefix: routeFields.stripPrefix.default(true),
    enabled: routeFields.enabled.default(true),
    cost: routeFields.cost.default(1),
    ejectAfterFailures: routeFields.ejectAfterFailures.default(DEFAULT_EJECT_AFTER_FAILURES),
    ejectCooldownMs: routeFields.ejectCooldownMs.default(DEFAULT_EJECT_COOLDOWN_MS),
  })
  .refine(defaultNameOnRoot, { error: DEFAULT_NAME_MESSAGE, path: ['name'] });
export type CreateRouteRequest = z.input<typeof CreateRouteRequestSchema>;

/** `PATCH /routes/:id` (admins): any subset of the fields. */
export const UpdateRouteRequestSchema = z
  .strictObject({
    name: routeFields.name.optional(),
    prefix: routeFields.prefix.optional(),
    targets: routeFields.targets.optional(),
    timeoutMs: routeFields.timeoutMs.optional(),
    retries: routeFields.retries.optional(),
    stripPrefix: routeFields.stripPrefix.optional(),
    enabled: routeFields.enabled.optional(),
    cost: routeFields.cost.optional(),
    ejectAfterFailures: routeFields.ejectAfterFailures.optional(),
    ejectCooldownMs: routeFields.ejectCooldownMs.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'at least one field must be given' });
export type UpdateRouteRequest = z.input<typeof UpdateRouteRequestSchema>;

/** Whether a route's name and prefix go together (`default` is the name of the route on `/` only). */
export function routeNameFitsPrefix(route: { name: string; prefix: string }): boolean {
  return defaultNameOnRoot(route);
}
export const ROUTE_DEFAULT_NAME_MESSAGE = DEFAULT_NAME_MESSAGE;

export const RouteSchema = z.object({
  id: IdSchema,
  name: z.string(),
  prefix: z.string(),
  targets: z.array(z.string()),
  timeoutMs: z.number().int().nullable(),
  retries: z.number().int(),
  stripPrefix: z.boolean(),
  enabled: z.boolean(),
  cost: z.number().int(),
  ejectAfterFailures: z.number().int(),
  ejectCooldownMs: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Defined by the declarative configuration file: change it there, not through the API. */
  managedByFile: z.boolean(),
});
export type Route = z.infer<typeof RouteSchema>;
export const ListRoutesResponseSchema = z.object({ data: z.array(RouteSchema) });
export type ListRoutesResponse = z.infer<typeof ListRoutesResponseSchema>;

// ---- Declarative configuration (GATEWAY_CONFIG_FILE, `POST /config/apply`) ----

/** `POST /config/apply` (admins): the file's text, as kept in the operator's repository. */
export const ApplyConfigRequestSchema = z.strictObject({
  /** YAML (or JSON) text of the file; multi-line, at most 1 MiB. */
  file: z
    .string({ error: 'must be the text of the configuration file' })
    .max(1_048_576, { error: 'must be at most 1 MiB' }),
  /** Only compute and return the changes. */
  dryRun: z.boolean({ error: 'must be true or false' }).default(false),
});
export type ApplyConfigRequest = z.input<typeof ApplyConfigRequestSchema>;

export const ConfigChangeSchema = z.object({
  kind: z.string(),
  action: z.enum(['create', 'update', 'delete']),
  name: z.string(),
  /** For updates: the fields that change. */
  fields: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).optional(),
  /** For updates: a row made through the API that the file now takes over. */
  adopt: z.boolean().optional(),
});
export type ConfigChange = z.infer<typeof ConfigChangeSchema>;

export const ApplyConfigResponseSchema = z.object({
  dryRun: z.boolean(),
  changes: z.array(ConfigChangeSchema),
  /** The changes as the CLI prints them, one line each and a total. */
  summary: z.string(),
});
export type ApplyConfigResponse = z.infer<typeof ApplyConfigResponseSchema>;
