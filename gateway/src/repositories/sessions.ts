import type { PrismaClient } from '../db/client.js';

export async function createSession(prisma: PrismaClient, userId: string, ttlHours: number) {
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
  return prisma.session.create({ data: { userId, expiresAt } });
}

/** The session if it exists, is not revoked and has not expired; else null. */
export async function findActiveSession(prisma: PrismaClient, id: string) {
  const session = await prisma.session.findUnique({ where: { id } });
  if (!session || session.revokedAt || session.expiresAt.getTime() <= Date.now()) return null;
  return session;
}

export async function revokeSession(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
}
