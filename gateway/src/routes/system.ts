import type { HealthResponse, ReadyResponse } from '@gateway/shared';
import { Router } from 'express';
import type { Database } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { RateLimitFailureMode } from '../ratelimit/index.js';
import type { RedisClient } from '../redis-client.js';

// Below the Kubernetes readiness probe's 3 s timeout, so a hung dependency reads "timeout", not a failed probe.
const READY_TIMEOUT_MS = 2_000;

/** What a public answer may say about a dependency: never an address or a driver's message. */
export type DependencyState = 'ok' | 'unreachable' | 'timeout' | 'not configured';

class CheckTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ioredis' commandTimeout rejects with "Command timed out".
const isTimeout = (err: unknown) =>
  err instanceof CheckTimeout || (err instanceof Error && /timed out/i.test(err.message));

export function systemRouter(deps: {
  db: Database;
  redis: RedisClient | undefined;
  metrics: Metrics;
  logger: Logger;
  rateLimitFailureMode: RateLimitFailureMode;
  isShuttingDown: () => boolean;
}) {
  const router = Router();
  const metricsRouter = Router();
  const { logger } = deps;
  const last: Record<string, DependencyState> = {};

  /** The setting an operator corrects when a dependency does not answer (named in the log, never to clients). */
  const SETTING: Record<string, string | undefined> = {
    database: deps.db.kind === 'postgres' ? 'DATABASE_URL' : undefined, // embedded PGlite has no URL
    redis: 'REDIS_URL',
  };

  /**
   * One line for the log: what failed and which setting to check, without a stack trace (issue 16: a
   * newcomer's first /ready with Redis down logged ioredis' "Stream isn't writeable and
   * enableOfflineQueue options is false" and its stack).
   */
  function degradedLine(name: string, state: DependencyState, error: unknown) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    const reason =
      typeof code === 'string'
        ? code
        : /enableOfflineQueue|Connection is closed|not connected/i.test(message)
          ? 'not connected'
          : message;
    const setting = SETTING[name];
    return {
      fields: { dependency: name, reason },
      msg: `readiness: ${name} ${state} (${reason}); serving degraded${setting ? `: check that it runs and ${setting} points at it` : ''}`,
    };
  }

  /** Runs one check; what failed goes to the log when the state changes, only its kind to the client. */
  async function check(name: string, run: () => Promise<unknown>): Promise<DependencyState> {
    let state: DependencyState = 'ok';
    let error: unknown;
    try {
      await withTimeout(run());
    } catch (err) {
      state = isTimeout(err) ? 'timeout' : 'unreachable';
      error = err;
    }
    if (state === 'ok') {
      if (last[name] !== undefined && last[name] !== 'ok')
        logger.info({ dependency: name }, `readiness: ${name} answers again`);
    } else if (last[name] !== state) {
      const { fields, msg } = degradedLine(name, state, error);
      logger.warn(fields, msg);
    }
    last[name] = state;
    return state;
  }

  // GET /health – liveness: the process answers
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' } satisfies HealthResponse);
  });

  // GET /ready – readiness: can this replica serve traffic? 200 in the degraded modes (named in the body);
  // 503 while shutting down, or with Redis down and RATE_LIMIT_FAILURE_MODE=closed (every request would
  // get 503 anyway). `?strict`: 503 unless every dependency answers (for operators, never for the probe).
  router.get('/ready', async (req, res) => {
    if (deps.isShuttingDown()) throw new ApiError('SERVICE_UNAVAILABLE', 'The gateway is shutting down.');
    const { redis } = deps;
    const [database, redisState] = await Promise.all([
      check('database', () => deps.db.ping()),
      redis ? check('redis', () => redis.ping()) : Promise.resolve<DependencyState>('not configured'),
    ]);
    const checks = { database, redis: redisState };
    const degraded: string[] = [];
    if (database !== 'ok') degraded.push('database: cached API keys only, usage records buffered');
    const redisDown = redisState === 'unreachable' || redisState === 'timeout';
    if (redisDown) degraded.push(`redis: rate limiting fails ${deps.rateLimitFailureMode}`);
    if (redisDown && deps.rateLimitFailureMode === 'closed') {
      throw new ApiError('SERVICE_UNAVAILABLE', `Not ready: redis ${redisState} and rate limiting fails closed.`);
    }
    if (req.query.strict !== undefined && degraded.length > 0) {
      const failing = Object.entries(checks).filter(([, v]) => v === 'unreachable' || v === 'timeout');
      throw new ApiError('SERVICE_UNAVAILABLE', `Degraded: ${failing.map(([k, v]) => `${k} ${v}`).join(', ')}.`);
    }
    res.json({
      status: degraded.length > 0 ? 'degraded' : 'ready',
      database: deps.db.kind,
      checks,
      degraded,
    } satisfies ReadyResponse);
  });

  // GET /metrics – Prometheus exposition (management listener only: not for the public)
  metricsRouter.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.end(await deps.metrics.registry.metrics());
  });

  return { probes: router, metrics: metricsRouter };
}
