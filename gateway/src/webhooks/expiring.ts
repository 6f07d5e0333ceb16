import type { PrismaClient } from '../db/client.js';
import { toApiKey } from '../repositories/serialize.js';
import { enqueueWebhookEvent } from './outbox.js';

// Keys noticed per round; a backlog (a first run over many keys) drains over the next rounds.
const BATCH = 500;

/**
 * Sends `key.expiring` for keys that expire within `withinDays` and have not had a notice for this
 * expiry yet: exactly one event per key and expiry (a new `expiresAt` gets its own notice), whichever
 * replica runs it — rows are claimed with FOR UPDATE SKIP LOCKED and marked in the same transaction
 * that writes the events. Returns how many keys were noticed.
 */
export async function noticeExpiringKeys(prisma: PrismaClient, withinDays: number, now = Date.now()): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const ids = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM api_keys
       WHERE expires_at > ${new Date(now)} AND expires_at <= ${new Date(now + withinDays * 86_400_000)}
         AND expiry_notice_for IS DISTINCT FROM expires_at
       ORDER BY expires_at
       LIMIT ${BATCH}
       FOR UPDATE SKIP LOCKED`;
    for (const { id } of ids) {
      const key = await tx.apiKey.findUniqueOrThrow({ where: { id } });
      await tx.apiKey.update({ where: { id }, data: { expiryNoticeFor: key.expiresAt } });
      const inSeconds = Math.max(0, Math.round(((key.expiresAt?.getTime() ?? now) - now) / 1000));
      await enqueueWebhookEvent(
        tx,
        { type: 'key.expiring', userId: key.userId, data: { key: toApiKey(key), expiresInSeconds: inSeconds } },
        new Date(now),
      );
    }
    return ids.length;
  });
}
