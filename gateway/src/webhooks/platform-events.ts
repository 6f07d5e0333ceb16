import { hostname } from 'node:os';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { enqueueWebhookEvent } from './outbox.js';

/**
 * Turns the limiter's failure-mode transitions on this replica into `ratelimit.degraded` and
 * `ratelimit.recovered` webhook events for platform endpoints. A state is reported once it has held
 * for `settleMs`, so a flapping Redis sends one pair, not one per probe; `recovered` follows only a
 * reported `degraded`. Each replica reports its own state (`data.replica`).
 */
export function platformLimiterEvents(
  prisma: PrismaClient,
  mode: string,
  logger: Logger,
  options: { settleMs: number },
): { changed(engaged: boolean, reason: string | null): void; stop(): void } {
  let reported = false;
  let since = 0;
  let why: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const replica = hostname();
  const report = (engaged: boolean) => {
    if (engaged === reported) return;
    reported = engaged;
    const data = engaged
      ? { replica, failureMode: mode, reason: why, since: new Date(since).toISOString() }
      : { replica, failureMode: mode, since: new Date(since).toISOString() };
    prisma
      .$transaction((tx) =>
        enqueueWebhookEvent(tx, { type: engaged ? 'ratelimit.degraded' : 'ratelimit.recovered', userId: null, data }),
      )
      .catch((err: Error) => logger.warn({ err: err.message }, 'could not record a rate-limit webhook event'));
  };
  return {
    changed(engaged, reason) {
      since = Date.now();
      if (engaged) why = reason;
      clearTimeout(timer);
      timer = setTimeout(() => report(engaged), options.settleMs);
      timer.unref();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
