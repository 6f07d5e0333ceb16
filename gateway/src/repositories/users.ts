import type { ListUsersQuerySchema, Role } from '@gateway/shared';
import type { z } from 'zod';
import { type Actor, confinedTo } from '../auth/actor.js';
import type { PrismaClient, PrismaTx } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { Prisma, User as UserRow } from '../generated/prisma/client.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';

/** The user with this email, created on first sight (sign-in and `POST /users`). */
export async function upsertUserByEmail(
  tx: PrismaTx,
  email: string,
  role: Role = 'user',
): Promise<{ user: UserRow; created: boolean }> {
  const existing = await tx.user.findUnique({ where: { email } });
  if (existing) return { user: existing, created: false };
  try {
    return { user: await tx.user.create({ data: { email, role } }), created: true };
  } catch (error) {
    // Two first sign-ins racing: the loser reads the winner's row.
    if ((error as { code?: string }).code === 'P2002') {
      const user = await tx.user.findUnique({ where: { email } });
      if (user) return { user, created: false };
    }
    throw error;
  }
}

/** A user by email, visible to admins or to that user only (else 404, as if absent). */
export async function getUserByEmailOrThrow(prisma: PrismaClient, actor: Actor, email: string): Promise<UserRow> {
  const user = await prisma.user.findUnique({ where: { email } });
  const own = confinedTo(actor);
  if (!user || (own && own !== user.id)) throw new ApiError('NOT_FOUND', 'No user with this email.');
  return user;
}

export async function getUserOrThrow(tx: PrismaTx, actor: Actor, id: string): Promise<UserRow> {
  const own = confinedTo(actor);
  const user = own && own !== id ? null : await tx.user.findUnique({ where: { id } });
  if (!user) throw new ApiError('NOT_FOUND', `No user with id ${id}.`);
  return user;
}

type ListUsersQuery = z.output<typeof ListUsersQuerySchema>;

/** Users, newest first, with how many keys each holds (admins). */
export async function listUsers(prisma: PrismaClient, query: ListUsersQuery) {
  const after = query.cursor ? decodeKeysetCursor(query.cursor) : undefined;
  const where: Prisma.UserWhereInput = {
    role: query.role,
    email: query.search ? { contains: query.search.toLowerCase() } : undefined,
    ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
  };
  const rows = await prisma.user.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
    include: { _count: { select: { apiKeys: true } } },
  });
  const more = rows.length > query.limit;
  if (more) rows.pop();
  const last = rows.at(-1);
  return { rows, nextCursor: more && last ? encodeKeysetCursor(last.createdAt, last.id) : null };
}

/**
 * Changes a user's role. Demoting the last admin is refused: the admin rows are locked first, so two
 * admins demoting each other at once cannot both succeed.
 */
export async function setUserRole(tx: PrismaTx, id: string, role: Role): Promise<{ before: UserRow; after: UserRow }> {
  await tx.$queryRaw`SELECT id FROM users WHERE role = 'admin' FOR UPDATE`;
  const before = await tx.user.findUnique({ where: { id } });
  if (!before) throw new ApiError('NOT_FOUND', `No user with id ${id}.`);
  if (before.role === role) return { before, after: before };
  if (before.role === 'admin') {
    const others = await tx.user.count({ where: { role: 'admin', id: { not: id } } });
    if (others === 0) throw new ApiError('CONFLICT', 'This is the last admin; promote someone else first.');
  }
  const after = await tx.user.update({ where: { id }, data: { role } });
  return { before, after };
}
