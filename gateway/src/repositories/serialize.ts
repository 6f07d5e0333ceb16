import type { ApiKey, ApiToken, KeyScope, User } from '@gateway/shared';
import { tokenScope } from '../auth/management-auth.js';
import type { ApiKey as ApiKeyRow, ApiToken as ApiTokenRow, User as UserRow } from '../generated/prisma/client.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    lastSignInAt: iso(row.lastSignInAt),
  };
}

/** The public shape of a key: never the hash, never the raw key. */
export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    start: row.start,
    active: row.active,
    disabledByAdmin: row.disabledByAdmin,
    planId: row.planId,
    limitPerMinute: row.limitPerMinute,
    limitPerDay: row.limitPerDay,
    expiresAt: iso(row.expiresAt),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    scopes: (row.scopes as KeyScope[] | null) ?? null,
    allowedIps: row.allowedIps.length > 0 ? row.allowedIps : null,
    restrictedByAdmin: row.restrictedByAdmin,
    previousSecret:
      row.previousStart !== null && row.previousExpiresAt !== null
        ? {
            start: row.previousStart,
            expiresAt: row.previousExpiresAt.toISOString(),
            lastUsedAt: iso(row.previousLastUsedAt),
          }
        : null,
  };
}

/** The public shape of a management API token: never the hash, never the raw token. */
export function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scope: tokenScope(row.scope),
    start: row.start,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}
