import type { CreateKeyRequestSchema, UpdateKeyRequestSchema } from '@gateway/shared';
import type { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import type { PrismaClient } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { ApiKey as ApiKeyRow } from '../generated/prisma/client.js';
import { generateApiKey } from '../keys/api-key.js';
import { getUserOrThrow } from './users.js';

type CreateKeyInput = z.output<typeof CreateKeyRequestSchema>;
type UpdateKeyInput = z.output<typeof UpdateKeyRequestSchema>;

// Listing every key of every user is an operator's view; cap it so one request stays cheap.
export const ADMIN_LIST_LIMIT = 1000;

export interface KeyDefaults {
  limitPerMinute: number;
  limitPerDay: number;
}

/** Creates a key for the actor (or, for the admin, for `input.userId`); returns the row and the raw key. */
export async function createKey(
  prisma: PrismaClient,
  actor: Actor,
  input: CreateKeyInput,
  defaults: KeyDefaults,
): Promise<{ row: ApiKeyRow; key: string }> {
  let userId: string;
  if (actor.role === 'admin') {
    if (!input.userId) {
      throw new ApiError('VALIDATION_FAILED', 'userId is required when creating a key with the admin token.', {
        errors: [{ path: 'userId', message: 'is required' }],
      });
    }
    userId = input.userId;
  } else {
    userId = input.userId ?? actor.userId;
  }
  await getUserOrThrow(prisma, actor, userId);
  assertFuture(input.expiresAt);
  const { key, hash, start } = generateApiKey();
  const row = await prisma.apiKey.create({
    data: {
      userId,
      keyHash: hash,
      start,
      name: input.name ?? 'Untitled key',
      limitPerMinute: input.limitPerMinute ?? defaults.limitPerMinute,
      limitPerDay: input.limitPerDay ?? defaults.limitPerDay,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    },
  });
  return { row, key };
}

export async function listKeys(prisma: PrismaClient, actor: Actor, userId?: string): Promise<ApiKeyRow[]> {
  if (actor.role === 'user') {
    if (userId && userId !== actor.userId) return [];
    return prisma.apiKey.findMany({ where: { userId: actor.userId }, orderBy: { createdAt: 'desc' } });
  }
  return prisma.apiKey.findMany({
    where: userId ? { userId } : {},
    orderBy: { createdAt: 'desc' },
    take: userId ? undefined : ADMIN_LIST_LIMIT,
  });
}

/** One key, enforcing ownership: another user's key is reported as missing. */
export async function getKeyOrThrow(prisma: PrismaClient, actor: Actor, id: string): Promise<ApiKeyRow> {
  const row = await prisma.apiKey.findUnique({ where: { id } });
  if (!row || (actor.role === 'user' && row.userId !== actor.userId)) {
    throw new ApiError('NOT_FOUND', `No API key with id ${id}.`);
  }
  return row;
}

export async function updateKey(prisma: PrismaClient, actor: Actor, id: string, input: UpdateKeyInput) {
  const before = await getKeyOrThrow(prisma, actor, id);
  assertFuture(input.expiresAt);
  const row = await prisma.apiKey.update({
    where: { id },
    data: {
      active: input.active,
      name: input.name,
      limitPerMinute: input.limitPerMinute,
      limitPerDay: input.limitPerDay,
      expiresAt:
        input.expiresAt === undefined ? undefined : input.expiresAt === null ? null : new Date(input.expiresAt),
    },
  });
  return { before, row };
}

export async function deleteKey(prisma: PrismaClient, actor: Actor, id: string): Promise<ApiKeyRow> {
  const row = await getKeyOrThrow(prisma, actor, id);
  await prisma.apiKey.delete({ where: { id } });
  return row;
}

function assertFuture(expiresAt: string | null | undefined): void {
  if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
    throw new ApiError('VALIDATION_FAILED', 'expiresAt must be in the future.', {
      errors: [{ path: 'expiresAt', message: 'must be in the future' }],
    });
  }
}
