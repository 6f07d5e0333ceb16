import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { RateLimitDecision } from '../ratelimit/index.js';
import { enqueueWebhookEvent } from './outbox.js';

export interface QuotaThresholds {
  /**
   * Looks at an allowed decision: for each enforced day or month window whose use crossed a threshold
   * with this very request, sends `quota.threshold`. Counting is atomic in the limiter, so exactly one
   * request crosses each threshold of each window (per replica in the `local` failure mode): one event
   * per window, threshold and key (or owner). Costs a few comparisons per request; never awaits.
   */
  observe(key: { id: string; userId: string }, decision: RateLimitDecision, cost: number): void;
}

const QUOTA_UNITS = new Set(['day', 'month']);

export function createQuotaThresholds(
  prisma: PrismaClient,
  logger: Logger,
  percents: readonly number[],
): QuotaThresholds {
  const fractions = [...new Set(percents)].sort((a, b) => a - b).map((p) => p / 100);
  const send = (key: { id: string; userId: string }, data: Record<string, unknown>) =>
    prisma
      .$transaction((tx) => enqueueWebhookEvent(tx, { type: 'quota.threshold', userId: key.userId, data }))
      .catch((err: Error) => logger.warn({ err: err.message }, 'could not record a quota.threshold webhook event'));
  return {
    observe(key, decision, cost) {
      if (fractions.length === 0 || !decision.allowed) return;
      for (const w of decision.windows) {
        if (w.shadow || !QUOTA_UNITS.has(w.unit)) continue;
        const used = w.limit - w.remaining;
        const before = used - cost;
        for (const fraction of fractions) {
          const at = Math.ceil(w.limit * fraction);
          if (used >= at && before < at) {
            void send(key, {
              keyId: key.id,
              ownerId: key.userId,
              window: w.name,
              unit: w.unit,
              scope: w.scope,
              limit: w.limit,
              used,
              thresholdPercent: Math.round(fraction * 100),
              resetsAt: new Date(Date.now() + w.resetSeconds * 1000).toISOString(),
            });
          }
        }
      }
    },
  };
}
