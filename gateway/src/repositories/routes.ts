import {
  type CreateRouteRequestSchema,
  ROUTE_DEFAULT_NAME_MESSAGE,
  type Route,
  routeNameFitsPrefix,
  type UpdateRouteRequestSchema,
} from '@gateway/shared';
import type { z } from 'zod';
import type { PrismaClient, PrismaTx } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { Route as RouteRow } from '../generated/prisma/client.js';

export type { RouteRow };

/** Every route, longest prefix first (the order the proxy matches them in). */
export async function listRoutes(prisma: PrismaClient | PrismaTx): Promise<RouteRow[]> {
  const rows = await prisma.route.findMany({ orderBy: { name: 'asc' } });
  return rows.sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
}

/** The route row, locked until the transaction ends (concurrent changes of one route: one at a time). */
export async function getRouteOrThrow(tx: PrismaClient | PrismaTx, id: string, forUpdate = false): Promise<RouteRow> {
  if (forUpdate) await tx.$queryRaw`SELECT id FROM routes WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.route.findUnique({ where: { id } });
  if (!row) throw new ApiError('NOT_FOUND', `No route with id ${id}.`);
  return row;
}

/** 409 when another route already has this name or prefix (the unique indexes would refuse it anyway). */
async function assertUnique(tx: PrismaTx, route: { name: string; prefix: string }, exceptId?: string) {
  const other = await tx.route.findFirst({
    where: { OR: [{ name: route.name }, { prefix: route.prefix }], ...(exceptId ? { NOT: { id: exceptId } } : {}) },
  });
  if (!other) return;
  const field = other.name === route.name ? 'name' : 'prefix';
  throw new ApiError('CONFLICT', `Route "${other.name}" already has this ${field} (${route[field]}).`, {
    errors: [{ path: field, message: 'is already used by another route' }],
  });
}

/** Two concurrent creations that both passed `assertUnique`: the unique index refuses the loser. */
async function uniqueOrConflict<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') {
      throw new ApiError('CONFLICT', 'Another route already has this name or prefix.');
    }
    throw error;
  }
}

export async function createRoute(tx: PrismaTx, input: z.output<typeof CreateRouteRequestSchema>): Promise<RouteRow> {
  await assertUnique(tx, input);
  return uniqueOrConflict(tx.route.create({ data: input }));
}

export async function updateRoute(
  tx: PrismaTx,
  id: string,
  input: z.output<typeof UpdateRouteRequestSchema>,
): Promise<{ before: RouteRow; row: RouteRow }> {
  const before = await getRouteOrThrow(tx, id, true);
  const name = input.name ?? before.name;
  const prefix = input.prefix ?? before.prefix;
  if (!routeNameFitsPrefix({ name, prefix })) {
    throw new ApiError('VALIDATION_FAILED', `Invalid request body: name ${ROUTE_DEFAULT_NAME_MESSAGE}`, {
      errors: [{ path: 'name', message: ROUTE_DEFAULT_NAME_MESSAGE }],
    });
  }
  if (input.name !== undefined || input.prefix !== undefined) await assertUnique(tx, { name, prefix }, id);
  const row = await uniqueOrConflict(tx.route.update({ where: { id }, data: input }));
  return { before, row };
}

export async function deleteRoute(tx: PrismaTx, id: string): Promise<RouteRow> {
  const row = await getRouteOrThrow(tx, id, true);
  await tx.route.delete({ where: { id } });
  return row;
}

export function toRoute(row: RouteRow): Route {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    targets: row.targets,
    timeoutMs: row.timeoutMs,
    retries: row.retries,
    stripPrefix: row.stripPrefix,
    enabled: row.enabled,
    cost: row.cost,
    ejectAfterFailures: row.ejectAfterFailures,
    ejectCooldownMs: row.ejectCooldownMs,
    managedByFile: row.managedByFile,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Refuses an API change to a route the configuration file defines: the file is the source of truth. */
export function assertNotManagedByFile(row: RouteRow): void {
  if (row.managedByFile) {
    throw new ApiError(
      'CONFLICT',
      `The route "${row.name}" is defined by the configuration file (GATEWAY_CONFIG_FILE); change it there.`,
    );
  }
}
