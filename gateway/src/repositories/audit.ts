import type { AuditQuerySchema } from '@gateway/shared';
import type { z } from 'zod';
import { type Actor, confinedTo } from '../auth/actor.js';
import type { PrismaClient } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { AuditLog as AuditRow, Prisma } from '../generated/prisma/client.js';

type AuditQuery = z.output<typeof AuditQuerySchema>;

// Keyset paging over the entry id (ever increasing): stable while new entries arrive.
export function encodeAuditCursor(id: bigint): string {
  return Buffer.from(id.toString()).toString('base64url');
}

function decodeAuditCursor(cursor: string): bigint {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,19}$/.test(text)) {
    throw new ApiError('VALIDATION_FAILED', 'Invalid query string: cursor is not a valid cursor', {
      errors: [{ path: 'cursor', message: 'is not a valid cursor' }],
    });
  }
  return BigInt(text);
}

/** The entries the actor may read (users: those about themselves), newest first. */
export async function listAudit(
  prisma: PrismaClient,
  actor: Actor,
  query: Omit<AuditQuery, 'limit'>,
  limit: number,
): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
  const own = confinedTo(actor);
  if (own && query.userId && query.userId !== own) return { rows: [], nextCursor: null };
  // A user reads the entries about their own data. An admin's `userId` filter also finds what that
  // user did to other people's data (an admin changing someone's key is about both of them).
  const about: Prisma.AuditLogWhereInput = own
    ? { subjectUserId: own }
    : query.userId
      ? { OR: [{ subjectUserId: query.userId }, { actorId: query.userId }] }
      : {};
  const where: Prisma.AuditLogWhereInput = {
    ...about,
    action: query.action,
    actorId: query.actorId,
    targetId: query.targetId,
    at: { gte: query.from ? new Date(query.from) : undefined, lt: query.to ? new Date(query.to) : undefined },
    id: query.cursor ? { lt: decodeAuditCursor(query.cursor) } : undefined,
  };
  const rows = await prisma.auditLog.findMany({ where, orderBy: { id: 'desc' }, take: limit + 1 });
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, nextCursor: more ? encodeAuditCursor(rows.at(-1)!.id) : null };
}
