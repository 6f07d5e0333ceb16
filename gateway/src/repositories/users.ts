import type { Actor } from '../auth/actor.js';
import type { PrismaClient } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { User as UserRow } from '../generated/prisma/client.js';

/** Email-only sign-in: returns the user with this email, creating it on first sight. */
export async function upsertUserByEmail(
  prisma: PrismaClient,
  email: string,
): Promise<{ user: UserRow; created: boolean }> {
  const existing = await prisma.user.findUnique({ where: { email } });
  if (existing) return { user: existing, created: false };
  try {
    return { user: await prisma.user.create({ data: { email } }), created: true };
  } catch (error) {
    // Two first sign-ins racing: the loser reads the winner's row.
    if ((error as { code?: string }).code === 'P2002') {
      const user = await prisma.user.findUnique({ where: { email } });
      if (user) return { user, created: false };
    }
    throw error;
  }
}

/** A user by email, visible to the admin or to that user only (else 404, as if absent). */
export async function getUserByEmailOrThrow(prisma: PrismaClient, actor: Actor, email: string): Promise<UserRow> {
  const user = await prisma.user.findUnique({ where: { email } });
  if (!user || (actor.role === 'user' && actor.userId !== user.id)) {
    throw new ApiError('NOT_FOUND', 'No user with this email.');
  }
  return user;
}

export async function getUserOrThrow(prisma: PrismaClient, actor: Actor, id: string): Promise<UserRow> {
  const user = actor.role === 'user' && actor.userId !== id ? null : await prisma.user.findUnique({ where: { id } });
  if (!user) throw new ApiError('NOT_FOUND', `No user with id ${id}.`);
  return user;
}
