import type { CreateTokenRequestSchema } from '@gateway/shared';
import type { z } from 'zod';
import { generateSecret, hashSecret } from '../auth/secret-token.js';
import type { PrismaClient, PrismaTx } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { ApiToken as ApiTokenRow } from '../generated/prisma/client.js';

// lastUsedAt is written at most once a minute per token: no write per request.
const TOUCH_EVERY_MS = 60_000;

/** The token row for a raw `gwt_…` token if it is neither revoked nor expired; else null. */
export async function findActiveApiToken(prisma: PrismaClient, raw: string, now = Date.now()) {
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: hashSecret(raw) } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  return row;
}

export async function createApiToken(
  tx: PrismaTx,
  input: z.output<typeof CreateTokenRequestSchema>,
  createdBy: string,
): Promise<{ row: ApiTokenRow; token: string }> {
  if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) {
    throw new ApiError('VALIDATION_FAILED', 'expiresAt must be in the future.', {
      errors: [{ path: 'expiresAt', message: 'must be in the future' }],
    });
  }
  const { secret, hash, start } = generateSecret('gwt_');
  const row = await tx.apiToken.create({
    data: {
      name: input.name,
      scope: input.scope,
      tokenHash: hash,
      start,
      createdBy,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    },
  });
  return { row, token: secret };
}

export async function listApiTokens(prisma: PrismaClient): Promise<ApiTokenRow[]> {
  return prisma.apiToken.findMany({ orderBy: { createdAt: 'desc' }, take: 1000 });
}

/** The token row, locked until the transaction ends when `forUpdate` (concurrent revocations: one wins). */
export async function getApiTokenOrThrow(tx: PrismaTx, id: string, forUpdate = false): Promise<ApiTokenRow> {
  if (forUpdate) await tx.$queryRaw`SELECT id FROM api_tokens WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.apiToken.findUnique({ where: { id } });
  if (!row) throw new ApiError('NOT_FOUND', `No API token with id ${id}.`);
  return row;
}
