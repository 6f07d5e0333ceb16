import type { PrismaClient, PrismaTx } from '../db/client.js';

// lastSeenAt is written at most this often per session: enough for idle expiry, no write per request.
const TOUCH_EVERY_MS = 60_000;

export interface SessionPolicy {
  ttlHours: number;
  idleHours: number;
}

export async function createSession(prisma: PrismaTx, userId: string, method: 'email' | 'oidc', ttlHours: number) {
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
  return prisma.session.create({ data: { userId, method, expiresAt } });
}

/**
 * The session and its user if the session exists, is not revoked, has not reached its absolute
 * expiry and has been used within the idle timeout; else null. Refreshes `lastSeenAt` now and then.
 */
export async function findActiveSession(prisma: PrismaClient, id: string, idleHours: number, now = Date.now()) {
  const session = await prisma.session.findUnique({ where: { id }, include: { user: true } });
  if (!session || session.revokedAt || session.expiresAt.getTime() <= now) return null;
  if (session.lastSeenAt.getTime() + idleHours * 3_600_000 <= now) return null;
  if (now - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await prisma.session.update({ where: { id }, data: { lastSeenAt: new Date(now) } });
  }
  return session;
}

export async function revokeSession(prisma: PrismaTx, id: string): Promise<boolean> {
  const { count } = await prisma.session.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count > 0;
}

/** Ends every open session of a user ("sign out everywhere"); returns how many were open. */
export async function revokeUserSessions(prisma: PrismaTx, userId: string): Promise<number> {
  const { count } = await prisma.session.updateMany({
    where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
    data: { revokedAt: new Date() },
  });
  return count;
}

/**
 * Deletes sessions and sign-in tokens that can no longer be used (a day after they ended, so a
 * just-expired session still explains a 401 in the logs). Idempotent: any replica may run it.
 */
export async function purgeExpired(prisma: PrismaClient, policy: SessionPolicy, now = Date.now()) {
  const graceAgo = new Date(now - 86_400_000);
  const idleCutoff = new Date(now - policy.idleHours * 3_600_000 - 86_400_000);
  const sessions = await prisma.session.deleteMany({
    where: {
      OR: [{ expiresAt: { lt: graceAgo } }, { revokedAt: { lt: graceAgo } }, { lastSeenAt: { lt: idleCutoff } }],
    },
  });
  const tokens = await prisma.signInToken.deleteMany({ where: { expiresAt: { lt: graceAgo } } });
  return { sessions: sessions.count, signInTokens: tokens.count };
}
