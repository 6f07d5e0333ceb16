import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Database } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';

const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function systemRouter(deps: {
  db: Database;
  redis: Redis | undefined;
  metrics: Metrics;
  isShuttingDown: () => boolean;
}) {
  const router = Router();
  const metricsRouter = Router();

  // GET /health – liveness: the process answers
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // GET /ready – readiness: the database (and Redis, when configured) answer; 503 while shutting down
  router.get('/ready', async (_req, res) => {
    if (deps.isShuttingDown()) throw new ApiError('SERVICE_UNAVAILABLE', 'The gateway is shutting down.');
    const checks: Record<string, 'ok' | string> = {};
    const results = await Promise.allSettled([
      withTimeout(deps.db.ping(), 'database'),
      deps.redis ? withTimeout(deps.redis.ping(), 'redis') : Promise.resolve('skipped'),
    ]);
    checks.database =
      results[0].status === 'fulfilled' ? 'ok' : String(results[0].reason?.message ?? results[0].reason);
    checks.redis = !deps.redis
      ? 'not configured (in-memory rate limiter)'
      : results[1].status === 'fulfilled'
        ? 'ok'
        : String(results[1].reason?.message ?? results[1].reason);
    const ready = results.every((r) => r.status === 'fulfilled');
    if (!ready) {
      const failing = Object.entries(checks)
        .filter(([, v]) => v !== 'ok' && !v.startsWith('not configured'))
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ');
      throw new ApiError('SERVICE_UNAVAILABLE', `Not ready: ${failing}`);
    }
    res.json({ status: 'ready', database: deps.db.kind, checks });
  });

  // GET /metrics – Prometheus exposition (management listener only: not for the public)
  metricsRouter.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.end(await deps.metrics.registry.metrics());
  });

  return { probes: router, metrics: metricsRouter };
}
