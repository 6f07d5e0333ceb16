import type { CreateKeyRequestSchema, ListKeysQuerySchema, Settings, UpdateKeyRequestSchema } from '@gateway/shared';
import type { z } from 'zod';
import { type Actor, confinedTo } from '../auth/actor.js';
import type { PrismaClient, PrismaTx } from '../db/client.js';
import { ApiError } from '../errors.js';
import { type ApiKey as ApiKeyRow, Prisma } from '../generated/prisma/client.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../http/keyset-cursor.js';
import { generateApiKey } from '../keys/api-key.js';
import { AllowList, compileScopes, scopesWithin } from '../keys/authorize.js';
import { assertPlanExists } from './plans.js';
import { getUserOrThrow } from './users.js';

type CreateKeyInput = z.output<typeof CreateKeyRequestSchema>;
type UpdateKeyInput = z.output<typeof UpdateKeyRequestSchema>;
type ListKeysQuery = z.output<typeof ListKeysQuerySchema>;

export interface KeyDefaults {
  limitPerMinute: number;
  limitPerDay: number;
}

/**
 * What a user may give themselves: admins set the caps (GET/PATCH /settings); admins themselves may
 * set anything. Limits over a cap are field errors, so the dashboard shows them beside the inputs.
 */
function assertWithinCaps(
  input: { limitPerMinute?: number | null; limitPerDay?: number | null },
  caps: Settings,
): void {
  const errors: { path: string; message: string }[] = [];
  // null means "no number of my own", which only an admin's plan can fill in.
  if (input.limitPerMinute === null) errors.push({ path: 'limitPerMinute', message: 'must be a number' });
  if (input.limitPerDay === null) errors.push({ path: 'limitPerDay', message: 'must be a number' });
  if (typeof input.limitPerMinute === 'number' && input.limitPerMinute > caps.maxLimitPerMinute) {
    errors.push({ path: 'limitPerMinute', message: `must be at most ${caps.maxLimitPerMinute} (your allowance)` });
  }
  if (typeof input.limitPerDay === 'number' && input.limitPerDay > caps.maxLimitPerDay) {
    errors.push({ path: 'limitPerDay', message: `must be at most ${caps.maxLimitPerDay} (your allowance)` });
  }
  if (errors.length > 0) {
    throw new ApiError('VALIDATION_FAILED', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
  }
}

type AccessInput = Pick<UpdateKeyInput, 'scopes' | 'allowedIps'>;

/** The allow-list compiled, or a 400 naming the entry the gateway cannot use. */
function allowListOrThrow(entries: readonly string[]): AllowList {
  try {
    return new AllowList(entries);
  } catch (err) {
    const message = (err as Error).message;
    throw new ApiError('VALIDATION_FAILED', `allowedIps: ${message}`, { errors: [{ path: 'allowedIps', message }] });
  }
}

/**
 * Who may restrict what: admins set anything; an owner sets their own key's scopes and allow-list
 * freely, but once an admin restricted the key (`restrictedByAdmin`), only narrower ones. Returns the
 * columns to write.
 */
function accessChange(own: string | undefined, before: ApiKeyRow | null, input: AccessInput) {
  const data: Prisma.ApiKeyUncheckedUpdateInput = {};
  if (input.scopes !== undefined) data.scopes = input.scopes ?? Prisma.DbNull;
  if (input.allowedIps !== undefined) {
    if (input.allowedIps !== null) allowListOrThrow(input.allowedIps);
    data.allowedIps = input.allowedIps ?? [];
  }
  if (input.scopes === undefined && input.allowedIps === undefined) return data;
  if (own) {
    if (before?.restrictedByAdmin) {
      if (input.scopes !== undefined && !scopesWithin(compileScopes(input.scopes), compileScopes(before.scopes))) {
        throw new ApiError('FORBIDDEN', 'An admin restricted this key: you may only narrow its scopes.');
      }
      if (input.allowedIps !== undefined && !allowListWithin(input.allowedIps, before.allowedIps)) {
        throw new ApiError('FORBIDDEN', 'An admin restricted this key: you may only narrow its IP allow-list.');
      }
    }
    return data;
  }
  const scopes = input.scopes !== undefined ? input.scopes : (before?.scopes ?? null);
  const allowedIps = input.allowedIps !== undefined ? input.allowedIps : (before?.allowedIps ?? null);
  data.restrictedByAdmin = scopes !== null || (allowedIps !== null && allowedIps.length > 0);
  return data;
}

function allowListWithin(narrower: readonly string[] | null, wider: readonly string[]): boolean {
  if (wider.length === 0) return true;
  if (narrower === null) return false;
  return allowListOrThrow(narrower).within(allowListOrThrow(wider));
}

/** Creates a key for the actor (or, for an admin, for `input.userId`); returns the row and the raw key. */
export async function createKey(
  tx: PrismaTx,
  actor: Actor,
  input: CreateKeyInput,
  defaults: KeyDefaults,
  caps: Settings,
): Promise<{ row: ApiKeyRow; key: string }> {
  let userId: string;
  const own = confinedTo(actor);
  if (own) {
    userId = input.userId ?? own;
  } else if (input.userId) {
    userId = input.userId;
  } else if (actor.kind === 'session') {
    userId = actor.userId;
  } else {
    throw new ApiError('VALIDATION_FAILED', 'userId is required when creating a key with an API token.', {
      errors: [{ path: 'userId', message: 'is required' }],
    });
  }
  await getUserOrThrow(tx, actor, userId);
  assertFuture(input.expiresAt);
  const planId = input.planId ?? null;
  if (planId !== null) {
    if (own) throw onlyAdminsAssignPlans();
    await assertPlanExists(tx, planId);
  }
  // On a plan, numbers not given stay null: the plan's windows apply. Without one, the seed's defaults.
  let limitPerMinute: number | null = input.limitPerMinute ?? (planId === null ? defaults.limitPerMinute : null);
  let limitPerDay: number | null = input.limitPerDay ?? (planId === null ? defaults.limitPerDay : null);
  if (own) {
    assertWithinCaps(input, caps);
    limitPerMinute = Math.min(limitPerMinute ?? defaults.limitPerMinute, caps.maxLimitPerMinute);
    limitPerDay = Math.min(limitPerDay ?? defaults.limitPerDay, caps.maxLimitPerDay);
    // Serialise a user's concurrent creations so the count below cannot be raced past the cap.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    const held = await tx.apiKey.count({ where: { userId } });
    if (held >= caps.maxKeysPerUser) {
      throw new ApiError(
        'CAP_EXCEEDED',
        `You already hold ${held} keys, the most allowed (${caps.maxKeysPerUser}). Delete one or ask an admin.`,
      );
    }
  }
  const access = accessChange(own, null, input);
  const { key, hash, start } = generateApiKey();
  const row = await planRaceToProblem(
    tx.apiKey.create({
      data: {
        scopes: access.scopes as Prisma.InputJsonValue | undefined,
        allowedIps: access.allowedIps as string[] | undefined,
        restrictedByAdmin: access.restrictedByAdmin as boolean | undefined,
        userId,
        keyHash: hash,
        start,
        name: input.name ?? 'Untitled key',
        planId,
        limitPerMinute,
        limitPerDay,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
    }),
  );
  return { row, key };
}

/** Keys the actor may see, newest first, filtered and paged (`GET /keys`). */
export async function listKeys(prisma: PrismaClient, actor: Actor, query: ListKeysQuery) {
  const own = confinedTo(actor);
  if (own && query.userId && query.userId !== own) return { rows: [], nextCursor: null };
  const now = new Date();
  const and: Prisma.ApiKeyWhereInput[] = [];
  if (query.search) {
    and.push({
      OR: [{ name: { contains: query.search, mode: 'insensitive' } }, { start: { startsWith: query.search } }],
    });
  }
  if (query.state === 'active') and.push({ active: true, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });
  if (query.state === 'disabled') and.push({ active: false });
  if (query.state === 'expired') and.push({ expiresAt: { lte: now } });
  if (query.cursor) {
    const after = decodeKeysetCursor(query.cursor);
    and.push({ OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] });
  }
  const rows = await prisma.apiKey.findMany({
    where: { userId: own ?? query.userId, AND: and },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  const more = rows.length > query.limit;
  if (more) rows.pop();
  const last = rows.at(-1);
  return { rows, nextCursor: more && last ? encodeKeysetCursor(last.createdAt, last.id) : null };
}

/** One key, enforcing ownership: another user's key is reported as missing. */
export async function getKeyOrThrow(tx: PrismaTx, actor: Actor, id: string): Promise<ApiKeyRow> {
  const row = await tx.apiKey.findUnique({ where: { id } });
  const own = confinedTo(actor);
  if (!row || (own && row.userId !== own)) throw new ApiError('NOT_FOUND', `No API key with id ${id}.`);
  return row;
}

/**
 * `getKeyOrThrow` that also locks the row until the transaction ends. Without the lock, six concurrent
 * `DELETE /keys/:id` all read the row, one deletes it and the others hit Prisma's P2025 (a 500); with it,
 * the others wait, then find nothing: 204 once, 404 after. A PATCH racing a DELETE likewise gets 404.
 */
async function lockKeyOrThrow(tx: PrismaTx, actor: Actor, id: string): Promise<ApiKeyRow> {
  await tx.$queryRaw`SELECT id FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`;
  return getKeyOrThrow(tx, actor, id);
}

export async function updateKey(tx: PrismaTx, actor: Actor, id: string, input: UpdateKeyInput, caps: Settings) {
  const before = await lockKeyOrThrow(tx, actor, id);
  assertFuture(input.expiresAt);
  if (typeof input.planId === 'string' && !confinedTo(actor)) await assertPlanExists(tx, input.planId);
  const own = confinedTo(actor);
  if (own) {
    if (input.planId !== undefined) throw onlyAdminsAssignPlans();
    if (before.planId !== null && (input.limitPerMinute !== undefined || input.limitPerDay !== undefined)) {
      throw new ApiError('FORBIDDEN', 'This key is on a plan: only an admin can change its limits.');
    }
    assertWithinCaps(input, caps);
    // An admin's "disabled" is a decision about the consumer, not the consumer's to undo.
    if (input.active === true && before.disabledByAdmin) {
      throw new ApiError('FORBIDDEN', 'An admin disabled this key; only an admin can enable it again.');
    }
  }
  const access = accessChange(own, before, input);
  const row = await planRaceToProblem(
    tx.apiKey.update({
      where: { id },
      data: {
        ...access,
        active: input.active,
        disabledByAdmin: own || input.active === undefined ? undefined : !input.active,
        name: input.name,
        planId: input.planId,
        limitPerMinute: input.limitPerMinute,
        limitPerDay: input.limitPerDay,
        expiresAt:
          input.expiresAt === undefined ? undefined : input.expiresAt === null ? null : new Date(input.expiresAt),
      },
    }),
  );
  return { before, row };
}

/**
 * A new secret for the key (same id, limits and history). The replaced one stays valid for
 * `graceSeconds` (none: it stops at once); a secret replaced by an earlier roll stops at once.
 */
export async function rollKey(tx: PrismaTx, actor: Actor, id: string, graceSeconds: number, now: number) {
  const before = await lockKeyOrThrow(tx, actor, id);
  const { key, hash, start } = generateApiKey();
  const keep = graceSeconds > 0;
  const row = await tx.apiKey.update({
    where: { id },
    data: {
      keyHash: hash,
      start,
      previousKeyHash: keep ? before.keyHash : null,
      previousStart: keep ? before.start : null,
      previousExpiresAt: keep ? new Date(now + graceSeconds * 1000) : null,
      // Last use since the roll: null until the old secret is presented again.
      previousLastUsedAt: null,
    },
  });
  return { before, row, key };
}

/** Ends a rolled key's grace period now: its previous secret stops working. */
export async function endGracePeriod(tx: PrismaTx, actor: Actor, id: string) {
  const before = await lockKeyOrThrow(tx, actor, id);
  if (before.previousKeyHash === null) {
    throw new ApiError(
      'NOT_FOUND',
      'This key has no previous secret: it was not rolled with a grace period, or that ended early.',
    );
  }
  const row = await tx.apiKey.update({
    where: { id },
    data: { previousKeyHash: null, previousStart: null, previousExpiresAt: null, previousLastUsedAt: null },
  });
  return { before, row };
}

export async function deleteKey(tx: PrismaTx, actor: Actor, id: string): Promise<ApiKeyRow> {
  const row = await lockKeyOrThrow(tx, actor, id);
  await tx.apiKey.delete({ where: { id } });
  return row;
}

/** A plan deleted between our check and the write (its delete held the row): the request's fault, not a 500. */
async function planRaceToProblem<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2003') {
      throw new ApiError('VALIDATION_FAILED', 'The plan no longer exists.', {
        errors: [{ path: 'planId', message: 'is not a plan' }],
      });
    }
    throw error;
  }
}

const onlyAdminsAssignPlans = () =>
  new ApiError('FORBIDDEN', "Only admins choose a key's plan.", {
    errors: [{ path: 'planId', message: 'can only be set by an admin' }],
  });

function assertFuture(expiresAt: string | null | undefined): void {
  if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
    throw new ApiError('VALIDATION_FAILED', 'expiresAt must be in the future.', {
      errors: [{ path: 'expiresAt', message: 'must be in the future' }],
    });
  }
}
