import type { Services } from './app.js';
import { createOidcClient } from './auth/oidc.js';
import type { Config } from './config.js';
import { createDatabase, type Database } from './db/client.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import { applyConfigFileAtStart } from './declarative/at-start.js';
import { AuthFailureThrottle } from './keys/auth-throttle.js';
import { createLocalConfigEvents, createRedisConfigEvents } from './keys/config-events.js';
import { KeyStore } from './keys/key-store.js';
import type { Logger } from './logger.js';
import { createMailer } from './mail/mailer.js';
import { createMetrics } from './metrics.js';
import { PlanStore } from './plans/plan-store.js';
import { RouteTable } from './proxy/route-table.js';
import { createUpstream } from './proxy/upstream.js';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  createResilientRateLimiter,
  type RateLimiter,
  withDecisionMetrics,
} from './ratelimit/index.js';
import { createRedisClient, logRedisState, type RedisClient } from './redis-client.js';
import { listRoutes } from './repositories/routes.js';
import { purgeExpired } from './repositories/sessions.js';
import { databaseStartupError, describeEndpoint, errorCode, StartupError } from './startup-error.js';
import { startTracing, tracingSettings } from './tracing/index.js';
import { scheduleUsageMaintenance } from './usage/maintenance.js';
import { UsageRecorder } from './usage/recorder.js';
import { noticeExpiringKeys } from './webhooks/expiring.js';
import { platformLimiterEvents } from './webhooks/platform-events.js';
import { createQuotaThresholds } from './webhooks/quota-threshold.js';
import { SecretBox } from './webhooks/secret-box.js';
import { WebhookWorker } from './webhooks/worker.js';

const PURGE_EVERY_MS = 3_600_000;
const EXPIRING_EVERY_MS = 5 * 60_000;

export interface BuildOptions {
  config: Config;
  logger: Logger;
  /** The upstream base URL (INTERNAL_API_BASE_URL or the demo upstream's). */
  upstreamUrl: string;
  /** Tests pass an already-migrated database; otherwise one is opened and migrated. */
  db?: Database;
  /** Print dev-mailbox mails on stdout too (the CLI entry point). */
  echoMail?: boolean;
  /** Keep an embedded database in memory (tests). */
  inMemoryDatabase?: boolean;
}

/** Opens the database (migrating it), Redis and the upstream pool, and wires the services. */
export async function buildServices(options: BuildOptions): Promise<Services> {
  const { config, logger } = options;
  const metrics = createMetrics();
  let db = options.db;
  if (!db) {
    db = await createDatabase({
      databaseUrl: config.DATABASE_URL,
      caFile: config.DATABASE_CA_FILE,
      dataDir: config.DATA_DIR,
      poolSize: config.DATABASE_POOL_SIZE,
      inMemory: options.inMemoryDatabase,
    });
    const opened = db;
    const failed = async (error: unknown): Promise<never> => {
      await opened.close().catch(() => {});
      throw config.DATABASE_URL ? databaseStartupError(error, config.DATABASE_URL, config.DATABASE_CA_FILE) : error;
    };
    if (config.MIGRATE_ON_START) {
      const result = await opened
        .withConnection((conn) => migrate(conn, { lock: opened.kind === 'postgres' }))
        .catch(failed);
      if (result.applied.length > 0) logger.info({ applied: result.applied }, 'database migrated');
      for (const name of result.modified) logger.warn({ migration: name }, 'applied migration was modified since');
    } else {
      // A migration step (init container, Job, one-shot service) owns the schema: never start on an old one.
      const pending = await opened.withConnection((conn) => pendingMigrations(conn)).catch(failed);
      if (pending.length > 0) {
        await opened.close().catch(() => {});
        throw new StartupError(
          `MIGRATE_ON_START=false and the database lacks ${pending.length} migration${pending.length === 1 ? '' : 's'} (${pending.join(', ')}): run the migration step (npm run db:migrate) first`,
        );
      }
    }
  }

  const keys = new KeyStore({
    prisma: db.prisma,
    logger,
    metrics,
    ttlMs: config.KEY_CACHE_TTL_MS,
    negativeTtlMs: config.KEY_CACHE_NEGATIVE_TTL_MS,
    max: config.KEY_CACHE_MAX,
    unknownLookupsPerSecond: config.UNKNOWN_KEY_LOOKUPS_PER_SECOND,
  });

  // ratelimit.degraded / ratelimit.recovered for platform webhook endpoints, once the state holds.
  const limiterState = platformLimiterEvents(db.prisma, config.RATE_LIMIT_FAILURE_MODE, logger, {
    settleMs: config.WEBHOOK_LIMITER_EVENT_SETTLE_MS,
  });
  let redis: RedisClient | undefined;
  let limiter: RateLimiter;
  let configEvents: Services['configEvents'];
  const redisUrl = config.REDIS_URL;
  if (redisUrl) {
    redis = createRedisClient(redisUrl, config.REDIS_MODE);
    logRedisState(redis, logger);
    // connect() rejects with "Connection is closed."; the socket's own error says why.
    let cause: Error | undefined;
    const remember = (err: Error) => {
      cause ??= err;
    };
    redis.on('error', remember);
    await redis.connect().catch((err: Error) => {
      const why = errorCode(cause) ?? cause?.message ?? err.message;
      logger.warn(
        `REDIS_URL (${describeEndpoint(redisUrl)}) is not reachable (${why}): rate limits follow RATE_LIMIT_FAILURE_MODE=${config.RATE_LIMIT_FAILURE_MODE} until it is; start Redis or correct REDIS_URL`,
      );
    });
    redis.off('error', remember);
    limiter = createResilientRateLimiter({
      primary: createRedisRateLimiter({ redis, prefix: config.REDIS_KEY_PREFIX }),
      redis,
      mode: config.RATE_LIMIT_FAILURE_MODE,
      metrics,
      logger,
      probeBackoffMs: config.RATE_LIMIT_PROBE_BACKOFF_MS,
      probeBackoffMaxMs: config.RATE_LIMIT_PROBE_BACKOFF_MAX_MS,
      onStateChange: (engaged, reason) => limiterState.changed(engaged, reason),
    });
    configEvents = await createRedisConfigEvents({
      store: keys,
      redis,
      channel: `${config.REDIS_KEY_PREFIX}config-changes`,
      logger,
    });
  } else {
    limiter = withDecisionMetrics(createMemoryRateLimiter(), metrics);
    configEvents = createLocalConfigEvents(keys);
  }

  const upstreamSettings = {
    connections: config.UPSTREAM_CONNECTIONS,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    queueTimeoutMs: config.UPSTREAM_QUEUE_TIMEOUT_MS,
  };
  const upstream = createUpstream(options.upstreamUrl, upstreamSettings);
  if (config.GATEWAY_CONFIG_FILE) await applyConfigFileAtStart(db, config.GATEWAY_CONFIG_FILE, logger);
  const routes = new RouteTable({
    load: () => listRoutes(db.prisma),
    defaultUpstream: upstream,
    upstream: upstreamSettings,
    logger,
  });
  await routes.start(config.ROUTES_RELOAD_INTERVAL_MS);
  configEvents.on('routes', () => routes.reload());
  const plans = new PlanStore({
    prisma: db.prisma,
    logger,
    defaults: { perMinute: config.DEFAULT_LIMIT_PER_MINUTE, perDay: config.DEFAULT_LIMIT_PER_DAY },
    reloadIntervalMs: config.PLAN_RELOAD_INTERVAL_MS,
  });
  plans.start((listener) => configEvents.on('plans', listener));
  await plans.reload();

  const usage = new UsageRecorder({
    sql: db.sql,
    logger,
    metrics,
    bufferMax: config.USAGE_BUFFER_MAX,
    bufferMaxBytes: config.USAGE_BUFFER_MAX_BYTES,
    batchSize: config.USAGE_BATCH_SIZE,
    flushIntervalMs: config.USAGE_FLUSH_INTERVAL_MS,
  });
  usage.start();

  // Expired sessions and sign-in tokens are deleted hourly (every replica may: the delete is idempotent).
  const purge = () =>
    purgeExpired(db.prisma, { ttlHours: config.SESSION_TTL_HOURS, idleHours: config.SESSION_IDLE_HOURS }).catch(
      (err: Error) => logger.warn({ err: err.message }, 'purging expired sessions failed; retrying in an hour'),
    );
  const purgeTimer = setInterval(purge, PURGE_EVERY_MS);
  purgeTimer.unref();
  void purge();

  // Partitions ahead, old days dropped, long-range tiers trimmed (one replica at a time).
  const maintenance = scheduleUsageMaintenance(db, logger, {
    retentionDays: config.USAGE_RETENTION_DAYS,
    rollupRetentionDays: config.ROLLUP_RETENTION_DAYS,
    intervalMs: config.USAGE_MAINTENANCE_INTERVAL_MS,
  });

  // Every replica delivers webhooks; each due delivery goes to exactly one of them (see the worker).
  const mailer = createMailer(config, logger, options.echoMail);
  const webhooks = new WebhookWorker({
    db,
    mailer,
    box: new SecretBox(config.SESSION_SECRET),
    logger,
    allowPrivateUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_DAYS * 86_400_000,
  });
  webhooks.start();
  // key.expiring notices: every replica looks; each key and expiry is noticed once (row locks).
  const noticeExpiring = () =>
    noticeExpiringKeys(db.prisma, config.KEY_EXPIRING_NOTICE_DAYS).catch((err: Error) =>
      logger.warn({ err: err.message }, 'looking for expiring keys failed; retrying in five minutes'),
    );
  const expiringTimer = setInterval(noticeExpiring, EXPIRING_EVERY_MS);
  expiringTimer.unref();
  void noticeExpiring();

  return {
    config,
    logger,
    metrics,
    db,
    mailer,
    oidc: config.OIDC_ISSUER ? await createOidcClient(config, logger) : undefined,
    stopBackgroundJobs: async () => {
      clearInterval(purgeTimer);
      clearInterval(expiringTimer);
      limiterState.stop();
      plans.stop();
      await Promise.all([webhooks.stop(), maintenance.stop()]);
    },
    webhooks,
    quotas: createQuotaThresholds(db.prisma, logger, config.QUOTA_THRESHOLDS),
    tracing: await startTracing(tracingSettings(config), logger),
    redis,
    limiter,
    keys,
    plans,
    configEvents,
    usage,
    upstream,
    routes,
    authThrottle: new AuthFailureThrottle({
      limitPerMinute: config.AUTH_FAILURES_PER_MINUTE,
      prefixV4: config.AUTH_FAILURE_PREFIX_V4,
      prefixV6: config.AUTH_FAILURE_PREFIX_V6,
    }),
  };
}
