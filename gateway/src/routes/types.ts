import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { PrismaClient, SqlExecutor } from '../db/client.js';
import type { ConfigChangeNotifier } from '../keys/config-events.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { PlanStore } from '../plans/plan-store.js';
import type { RateLimiter } from '../ratelimit/index.js';

export interface RouteDeps {
  config: Config;
  prisma: PrismaClient;
  sql: SqlExecutor;
  logger: Logger;
  requireActor: RequestHandler;
  configChanges: ConfigChangeNotifier;
  /** Throttles sign-in requests (per email and per client address) with the proxy's limiter. */
  limiter: RateLimiter;
  mailer: Mailer;
  /** This replica's plans, reloaded before a plan change is answered. */
  plans: PlanStore;
}
