import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { bool, int } from './config-fields.js';
import { parseTrustProxy } from './http/trust-proxy.js';
import { tracingEnvShape } from './tracing/config.js';

const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  );

const secret = z.string().min(32, { error: 'must be at least 32 characters' });

const MIN_SECRET_DISTINCT = 8;
const MIN_SECRET_BITS = 80;
const SECRET_ADVICE = 'use at least 32 random characters, e.g. `openssl rand -hex 32`';

/**
 * Why a secret looks guessable, or null. Length alone let `aaaa…` (32×a) through in production. The
 * estimate is the string's own Shannon entropy times its length: 64 hex characters from `openssl rand
 * -hex 32` score about 230 bits, 32 of them about 110; a repeated pattern or a tiny alphabet is refused.
 */
export function secretWeakness(value: string): string | null {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  const length = [...value].length;
  if (counts.size < MIN_SECRET_DISTINCT) return `has only ${counts.size} distinct characters; ${SECRET_ADVICE}`;
  for (let period = 1; period <= value.length / 2; period++) {
    if (value.slice(period) === value.slice(0, value.length - period)) {
      return `repeats a ${period}-character pattern; ${SECRET_ADVICE}`;
    }
  }
  let bitsPerChar = 0;
  for (const n of counts.values()) bitsPerChar -= (n / length) * Math.log2(n / length);
  const bits = Math.floor(bitsPerChar * length);
  return bits < MIN_SECRET_BITS ? `looks guessable (about ${bits} bits of entropy); ${SECRET_ADVICE}` : null;
}

/** Used in place of an embedded default only when ALLOW_EMBEDDED_IN_PRODUCTION=true (see README). */
const EMBEDDED_FALLBACKS = {
  DATABASE_URL: 'an ephemeral embedded PGlite database in DATA_DIR',
  REDIS_URL: 'in-memory rate limits (per replica, lost at restart)',
  INTERNAL_API_BASE_URL: 'the built-in demo upstream',
} as const;

// One check that never throws: `new URL` on a value that is not a URL used to escape zod as a
// TypeError with a stack trace, hiding every other invalid variable (issue 16).
const url = (protocols: string[]) =>
  z.string().superRefine((value, ctx) => {
    const expected = `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
    if (!URL.canParse(value)) ctx.addIssue({ code: 'custom', message: `is not a URL: must be ${expected}` });
    else if (!protocols.includes(new URL(value).protocol))
      ctx.addIssue({ code: 'custom', message: `must be ${expected}` });
  });

// RFC 9110 §5.1: a field name is a token.
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Fields the gateway writes or consumes itself: an identity field of one of these names would clash.
const RESERVED_FIELD = /^(?:host|x-api-key|x-request-id|x-forwarded(?:-.*)?|forwarded|connection|cookie|content-.*)$/i;

/** An upstream request field the gateway sets (IDENTITY_HEADER_*): a valid name, kept lower-case. */
const identityHeader = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((name) => FIELD_NAME.test(name), { error: 'must be a header field name (RFC 9110 token, e.g. X-User-Id)' })
    .refine((name) => !RESERVED_FIELD.test(name), { error: 'names a field the gateway sets or reads itself' })
    .transform((name) => name.toLowerCase());

/** Every environment variable the gateway reads, with its default. The only reader of `process.env`. */
export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(0, 65535).default(3001),
    /** The management API, sign-in and /metrics: never on the proxy's listener (its own origin). */
    MANAGEMENT_PORT: int(0, 65535).default(3002),
    MANAGEMENT_HOST: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `pretty` (human-readable) or `json`; unset → pretty on a terminal in development, else JSON. */
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_POOL_SIZE: int(1, 200).default(10),
    /** PEM file of the CA(s) that signed the database's certificate: TLS with verification (verify-full). */
    DATABASE_CA_FILE: z.string().min(1).optional(),
    /** Production may run on PGlite, in-memory limits or the demo upstream only when this says so. */
    ALLOW_EMBEDDED_IN_PRODUCTION: bool.default(false),
    DATA_DIR: z.string().min(1).default('./.data'),
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    /** `cluster`: REDIS_URL names one node of a Redis Cluster and the client learns the rest. */
    REDIS_MODE: z.enum(['standalone', 'cluster']).default('standalone'),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{0,64}$/, { error: 'may hold letters, digits, ":", "_" and "-" only' })
      .default('gw:'),
    INTERNAL_API_BASE_URL: url(['http:', 'https:']).optional(),
    ADMIN_API_TOKEN: secret.optional(),
    SESSION_SECRET: secret.optional(),
    SESSION_TTL_HOURS: int(1, 24 * 90).default(24 * 7),
    SESSION_IDLE_HOURS: int(1, 24 * 90).default(24),
    SIGN_IN_LINK_TTL_MINUTES: int(1, 24 * 60).default(15),
    /** `open`: anyone with an email address may sign in (the seed's promise); `closed`: known users only. */
    SIGN_UP: z.enum(['open', 'closed']).default('open'),
    /** Sign-in links one email address may be sent per minute and per UTC day. */
    SIGN_IN_PER_EMAIL_PER_MINUTE: int(1, 10_000).default(3),
    SIGN_IN_PER_EMAIL_PER_DAY: int(1, 1_000_000).default(20),
    /** Sign-in requests one client address may make per minute and per UTC day. */
    SIGN_IN_PER_ADDRESS_PER_MINUTE: int(1, 1_000_000).default(30),
    SIGN_IN_PER_ADDRESS_PER_DAY: int(1, 1_000_000_000).default(200),
    ADMIN_EMAILS: list
      .pipe(z.array(z.email({ error: 'must be a comma-separated list of email addresses' })))
      .transform((emails) => emails.map((e) => e.toLowerCase())),
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    MAIL_FROM: z.string().min(3).default('API Gateway <no-reply@localhost>'),
    OIDC_ISSUER: url(['http:', 'https:']).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_NAME: z.string().min(1).max(40).default('SSO'),
    OIDC_REDIRECT_URI: url(['http:', 'https:']).optional(),
    OIDC_ADMIN_CLAIM: z.string().min(1).default('groups'),
    OIDC_ADMIN_VALUES: list,
    USER_MAX_KEYS: int(0, 100_000).default(10),
    USER_MAX_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
    USER_MAX_LIMIT_PER_DAY: int(1, 1_000_000_000).default(100_000),
    DASHBOARD_ORIGIN: z
      .string()
      .default('http://localhost:3000')
      .transform((s) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ error: 'must be a comma-separated list of origins' })))
      // Browsers send a bare origin (`https://x.example`): `https://x.example/` would never match it.
      .transform((origins) => origins.map((o) => new URL(o).origin)),
    TRUST_PROXY: z
      .string()
      .default('loopback')
      .transform((value, ctx) => {
        try {
          return parseTrustProxy(value);
        } catch (err) {
          const hint =
            'true, false, a hop count, or comma-separated addresses, subnets, loopback, linklocal, uniquelocal';
          ctx.addIssue({ code: 'custom', message: `must be ${hint} (${(err as Error).message})` });
          return z.NEVER;
        }
      }),
    /** Where clients reach the proxy listener (origin and optional path): rewritten Locations use it. */
    PUBLIC_URL: url(['http:', 'https:'])
      .refine(
        (u) => {
          if (!URL.canParse(u)) return true;
          const { search, hash, username, password } = new URL(u);
          return !(search || hash || username || password);
        },
        {
          error: 'must be an origin with an optional path (no query, fragment or credentials)',
        },
      )
      .transform((u) => new URL(u).origin + new URL(u).pathname.replace(/\/+$/, ''))
      .optional(),
    DEFAULT_LIMIT_PER_MINUTE: int(1, 1_000_000).default(60),
    DEFAULT_LIMIT_PER_DAY: int(1, 1_000_000_000).default(10_000),
    RATE_LIMIT_FAILURE_MODE: z.enum(['local', 'open', 'closed']).default('local'),
    /** Circuit breaker: after a failed Redis command decide locally this long, then probe (doubling). */
    RATE_LIMIT_PROBE_BACKOFF_MS: int(10, 60_000).default(1_000),
    RATE_LIMIT_PROBE_BACKOFF_MAX_MS: int(10, 600_000).default(30_000),
    AUTH_FAILURES_PER_MINUTE: int(1, 1_000_000).default(60),
    /** The bad-key throttle counts per network: addresses sharing this many leading bits count as one. */
    AUTH_FAILURE_PREFIX_V4: int(8, 32).default(24),
    AUTH_FAILURE_PREFIX_V6: int(16, 128).default(64),
    /** Per replica: database lookups of unknown (well-formed, uncached) keys per second. */
    UNKNOWN_KEY_LOOKUPS_PER_SECOND: int(1, 1_000_000).default(100),
    UPSTREAM_TIMEOUT_MS: int(100, 600_000).default(30_000),
    UPSTREAM_CONNECTIONS: int(1, 10_000).default(128),
    /** How long a request may wait for a free upstream connection before a 503 (it is then never sent). */
    UPSTREAM_QUEUE_TIMEOUT_MS: int(100, 600_000).default(5_000),
    /** Route table safety reload (changes otherwise arrive at once by Redis pub/sub). */
    ROUTES_RELOAD_INTERVAL_MS: int(1_000, 3_600_000).default(30_000),
    /** Fields that tell the upstream who is calling; a client's fields of these names are dropped. */
    IDENTITY_HEADER_KEY_ID: identityHeader('X-Gateway-Key-Id'),
    IDENTITY_HEADER_USER_ID: identityHeader('X-Gateway-User-Id'),
    IDENTITY_HEADER_PLAN: identityHeader('X-Gateway-Plan'),
    /** Proxied requests one key may have in progress on one replica (→ 429 TOO_MANY_IN_FLIGHT). */
    KEY_MAX_IN_FLIGHT: int(1, 100_000).default(32),
    KEY_CACHE_TTL_MS: int(0, 3_600_000).default(60_000),
    PLAN_RELOAD_INTERVAL_MS: int(0, 3_600_000).default(60_000),
    KEY_CACHE_NEGATIVE_TTL_MS: int(0, 600_000).default(5_000),
    KEY_CACHE_MAX: int(1, 10_000_000).default(50_000),
    USAGE_BUFFER_MAX: int(100, 10_000_000).default(100_000),
    /** Bytes the buffered usage records may keep alive (paths, ~200 B each besides): 64 MiB. */
    USAGE_BUFFER_MAX_BYTES: int(1_048_576, 4_294_967_296).default(67_108_864),
    USAGE_BATCH_SIZE: int(1, 50_000).default(1_000),
    USAGE_FLUSH_INTERVAL_MS: int(10, 60_000).default(1_000),
    /** Record each request's client address in the usage log: personal data, off unless asked for. */
    USAGE_LOG_CLIENT_IP: bool.default(false),
    /** Whole UTC days of raw usage logs and per-minute rollups kept (daily partitions dropped after). */
    USAGE_RETENTION_DAYS: int(1, 3_650).default(30),
    /** Days of hourly and daily rollups kept (long-range charts). */
    ROLLUP_RETENTION_DAYS: int(1, 3_650).default(400),
    /** Most raw usage rows one analytics question may scan (groupBy=path, pathPrefix, filtered sub-hour series). */
    USAGE_MAX_RAW_SCAN_ROWS: int(1, 1_000_000_000).default(1_000_000),
    /** How often a replica runs partition maintenance (one at a time: an advisory lock). */
    USAGE_MAINTENANCE_INTERVAL_MS: int(60_000, 86_400_000).default(3_600_000),
    MANAGEMENT_BODY_LIMIT: z.string().default('100kb'),
    SHUTDOWN_TIMEOUT_MS: int(0, 300_000).default(15_000),
    HEADERS_TIMEOUT_MS: int(1_000, 300_000).default(10_000),
    REQUEST_TIMEOUT_MS: int(1_000, 3_600_000).default(300_000),
    /** A request body that sends no byte for this long is answered 408 and its connection closed. */
    BODY_IDLE_TIMEOUT_MS: int(1_000, 600_000).default(15_000),
    /** Open connections one peer address may hold per listener and replica; 0 = no cap. */
    MAX_CONNECTIONS_PER_ADDRESS: int(0, 1_000_000).default(256),
    /** Open connections per listener and replica, whoever holds them; 0 = no cap. */
    MAX_CONNECTIONS: int(0, 10_000_000).default(0),
    SECURE_COOKIES: bool.optional(),
    /** Deliver webhooks to loopback, private and link-local addresses too (internal receivers). */
    WEBHOOK_ALLOW_PRIVATE_URLS: bool.default(false),
    /** How long one webhook delivery attempt may take, connection to answer. */
    WEBHOOK_TIMEOUT_MS: int(1_000, 60_000).default(10_000),
    /** How often each replica looks for webhook deliveries that are due. */
    WEBHOOK_POLL_INTERVAL_MS: int(50, 60_000).default(1_000),
    /** An endpoint whose every delivery has failed for this many days is disabled (and audited). */
    WEBHOOK_DISABLE_AFTER_DAYS: int(1, 365).default(5),
    /** Apply pending migrations at start (false: refuse to start until a migration step has run them). */
    MIGRATE_ON_START: bool.default(true),
    /** A YAML file of routes (and plans) applied at start: read-only through the API (README "Declarative configuration"). */
    GATEWAY_CONFIG_FILE: z.string().min(1).optional(),
    /** ratelimit.degraded/recovered are sent once the limiter's state has held this long (no flapping). */
    WEBHOOK_LIMITER_EVENT_SETTLE_MS: int(0, 600_000).default(5_000),
    /** Shares of a day or month quota (percent, comma-separated) at which `quota.threshold` is sent; empty: never. */
    QUOTA_THRESHOLDS: z
      .string()
      .default('80,100')
      .transform((value, ctx) => {
        const parts = value
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        const numbers = parts.map(Number);
        if (numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 100)) {
          ctx.addIssue({ code: 'custom', message: 'must be whole percentages from 1 to 100, comma-separated' });
          return z.NEVER;
        }
        return numbers;
      }),
    /** `key.expiring` is sent this many days before a key expires. */
    KEY_EXPIRING_NOTICE_DAYS: int(1, 365).default(7),
    /** OpenTelemetry tracing (README "Tracing"): the standard OTEL_* variables, off by default. */
    ...tracingEnvShape,
  })
  .superRefine((env, ctx) => {
    if (env.OIDC_ISSUER && !env.OIDC_CLIENT_ID) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'is required when OIDC_ISSUER is set' });
    }
    if (env.PORT !== 0 && env.PORT === env.MANAGEMENT_PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['MANAGEMENT_PORT'],
        message: 'must differ from PORT: the management API never shares an origin with proxied content',
      });
    }
    if (env.RATE_LIMIT_PROBE_BACKOFF_MAX_MS < env.RATE_LIMIT_PROBE_BACKOFF_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RATE_LIMIT_PROBE_BACKOFF_MAX_MS'],
        message: 'must be at least RATE_LIMIT_PROBE_BACKOFF_MS',
      });
    }
    const identity = [env.IDENTITY_HEADER_KEY_ID, env.IDENTITY_HEADER_USER_ID, env.IDENTITY_HEADER_PLAN];
    if (new Set(identity).size !== identity.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['IDENTITY_HEADER_PLAN'],
        message: 'IDENTITY_HEADER_KEY_ID, IDENTITY_HEADER_USER_ID and IDENTITY_HEADER_PLAN must name different fields',
      });
    }
    if (env.REDIS_MODE === 'cluster') {
      if (!env.REDIS_URL) {
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_URL'],
          message: 'is required when REDIS_MODE=cluster (the URL of any node of the cluster)',
        });
      } else if (URL.canParse(env.REDIS_URL) && !/^\/?0?$/.test(new URL(env.REDIS_URL).pathname)) {
        ctx.addIssue({
          code: 'custom',
          path: ['REDIS_URL'],
          message: 'must not select a database with REDIS_MODE=cluster: a Redis Cluster has only database 0',
        });
      }
    }
    if (env.DATABASE_CA_FILE && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_CA_FILE'], message: 'needs DATABASE_URL (PostgreSQL)' });
    }
    if (env.NODE_ENV !== 'production') return;
    if (!env.ALLOW_EMBEDDED_IN_PRODUCTION) {
      for (const [name, fallback] of Object.entries(EMBEDDED_FALLBACKS)) {
        if (env[name as keyof typeof EMBEDDED_FALLBACKS]) continue;
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `is required when NODE_ENV=production (unset means ${fallback}; set ALLOW_EMBEDDED_IN_PRODUCTION=true to accept that)`,
        });
      }
    }
    if (env.LOG_FORMAT === 'pretty') {
      ctx.addIssue({ code: 'custom', path: ['LOG_FORMAT'], message: 'must be json when NODE_ENV=production' });
    }
    if (!env.SMTP_URL && !env.OIDC_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: 'or OIDC_ISSUER is required when NODE_ENV=production: people must be able to sign in',
      });
    }
    for (const name of ['ADMIN_API_TOKEN', 'SESSION_SECRET'] as const) {
      const value = env[name];
      if (!value) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is required when NODE_ENV=production (at least 32 random characters, e.g. `openssl rand -hex 32`)',
        });
        continue;
      }
      const weakness = secretWeakness(value);
      if (weakness) ctx.addIssue({ code: 'custom', path: [name], message: weakness });
    }
  });

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends Omit<RawConfig, 'ADMIN_API_TOKEN' | 'SESSION_SECRET' | 'SECURE_COOKIES'> {
  /** Always set after `resolveSecrets`: from the environment, or generated and kept in DATA_DIR. */
  ADMIN_API_TOKEN: string;
  SESSION_SECRET: string;
  SECURE_COOKIES: boolean;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(
      `Invalid configuration (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}; nothing was started):\n${issues.map((i) => `  - ${i}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** A good value to show beside an error, where the default (if any) is not a useful example. */
const EXAMPLES: Record<string, string> = {
  DATABASE_URL: 'postgresql://gateway:password@localhost:5432/gateway',
  REDIS_URL: 'redis://localhost:6379',
  INTERNAL_API_BASE_URL: 'http://localhost:8080',
  SMTP_URL: 'smtps://user:password@smtp.example.com:465',
  OIDC_ISSUER: 'https://id.example.com',
  OIDC_REDIRECT_URI: 'https://manage.example.com/auth/oidc/callback',
  OIDC_CLIENT_ID: 'api-gateway',
  ADMIN_API_TOKEN: '$(openssl rand -hex 32)',
  SESSION_SECRET: '$(openssl rand -hex 32)',
  OIDC_CLIENT_SECRET: '<the secret your identity provider issued>',
  ADMIN_EMAILS: 'ops@example.com,alice@example.com',
  OIDC_ADMIN_VALUES: 'ops,admins',
  DASHBOARD_ORIGIN: 'https://dashboard.example.com',
  MANAGEMENT_PORT: '3002',
  SECURE_COOKIES: 'true',
};

/** Values never echoed back in an error, whatever their name's variable holds. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|HEADERS/;

function defaultOf(schema: unknown): unknown {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
  if (!def) return undefined;
  if (def.type === 'default') return def.defaultValue;
  return defaultOf(def.in ?? def.innerType);
}

function exampleFor(name: string): string | undefined {
  if (EXAMPLES[name]) return EXAMPLES[name];
  const fallback = defaultOf((ConfigSchema.shape as Record<string, unknown>)[name]);
  return fallback === undefined || fallback === '' ? undefined : String(fallback);
}

function shown(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_NAME.test(name)) return ` (got ${value.length} characters)`;
  // A URL's password stays out of the terminal and the logs that capture it.
  const safe = value.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
  return ` (got "${safe.length > 80 ? `${safe.slice(0, 77)}...` : safe}")`;
}

/**
 * One line per problem: the variable, what is wrong, what was given (never a secret) and a good
 * value, e.g. `REDIS_URL is not a URL: must be a redis or rediss URL (got "notaurl"); e.g. REDIS_URL=redis://localhost:6379`.
 */
function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '(environment)');
  let message = issue.message;
  if (issue.code === 'invalid_value') message = `must be one of ${issue.values.map(String).join(', ')}`;
  else if (issue.code === 'too_small' && issue.origin === 'string')
    message = `must be at least ${issue.minimum} characters`;
  const example = exampleFor(name);
  const hint = example && !message.includes('e.g.') ? `; e.g. ${name}=${example}` : '';
  return `${name} ${message}${shown(name, env[name])}${hint}`;
}

/** Parses the environment once; throws a ConfigError listing every invalid variable, one line each. */
/** Variables that may also come from a file (`<NAME>_FILE`: Docker/Compose secrets, mounted Secrets). */
export const FILE_VARIABLES = [
  'ADMIN_API_TOKEN',
  'SESSION_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'SMTP_URL',
  'OIDC_CLIENT_SECRET',
] as const;

/**
 * `NAME_FILE=/run/secrets/name` stands for `NAME=<the file's content>` (one trailing newline dropped),
 * so secrets need not sit in the environment, where `docker inspect` and /proc show them. Both set,
 * or an unreadable file, is an error naming the variable.
 */
function withFileVariables(defined: Record<string, string>): { env: Record<string, string>; errors: string[] } {
  const env = { ...defined };
  const errors: string[] = [];
  for (const name of FILE_VARIABLES) {
    const file = defined[`${name}_FILE`];
    if (file === undefined) continue;
    delete env[`${name}_FILE`];
    if (defined[name] !== undefined) {
      errors.push(`${name} and ${name}_FILE are both set: keep one`);
      continue;
    }
    try {
      env[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      errors.push(
        `${name}_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${file}`,
      );
    }
  }
  return { env, errors };
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): RawConfig {
  // Empty strings count as unset, as in most deployment tools' templates.
  const { env: defined, errors } = withFileVariables(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>,
  );
  const result = ConfigSchema.safeParse(defined);
  if (errors.length > 0) {
    const more = result.success ? [] : result.error.issues.map((i) => describeIssue(i, defined));
    throw new ConfigError([...new Set([...errors, ...more])]);
  }
  if (!result.success) {
    // A list variable with several bad entries yields one issue per entry: one line is enough.
    throw new ConfigError([...new Set(result.error.issues.map((i) => describeIssue(i, defined)))]);
  }
  return result.data;
}

/** Just what `npm run db:migrate` needs, so a migration job does not need the service's secrets. */
export function parseDatabaseConfig(env: NodeJS.ProcessEnv = process.env): {
  DATABASE_URL?: string;
  DATABASE_CA_FILE?: string;
  DATA_DIR: string;
} {
  const { env: defined, errors } = withFileVariables(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>,
  );
  if (errors.length > 0) throw new ConfigError(errors);
  const result = ConfigSchema.shape.DATABASE_URL.safeParse(defined.DATABASE_URL);
  if (!result.success)
    throw new ConfigError(result.error.issues.map((i) => describeIssue({ ...i, path: ['DATABASE_URL'] }, defined)));
  return {
    DATABASE_URL: result.data,
    DATABASE_CA_FILE: defined.DATABASE_CA_FILE,
    DATA_DIR: defined.DATA_DIR ?? './.data',
  };
}
