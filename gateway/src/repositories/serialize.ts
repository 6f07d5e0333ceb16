import type { ApiKey, User } from '@gateway/shared';
import type { ApiKey as ApiKeyRow, User as UserRow } from '../generated/prisma/client.js';

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, createdAt: row.createdAt.toISOString() };
}

/** The public shape of a key: never the hash, never the raw key. */
export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    start: row.start,
    active: row.active,
    limitPerMinute: row.limitPerMinute,
    limitPerDay: row.limitPerDay,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
