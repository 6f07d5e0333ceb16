import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { PrismaClient, SqlExecutor } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { RateLimiter } from '../ratelimit/index.js';

/** Callbacks that let a key change reach every gateway replica's key cache at once. */
export interface KeyChangeNotifier {
  keyChanged(keyHash: string): Promise<void>;
}

export interface RouteDeps {
  config: Config;
  prisma: PrismaClient;
  sql: SqlExecutor;
  logger: Logger;
  requireActor: RequestHandler;
  keyChanges: KeyChangeNotifier;
  /** Throttles sign-in requests (per email and per client address) with the proxy's limiter. */
  limiter: RateLimiter;
  mailer: Mailer;
}
