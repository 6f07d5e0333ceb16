import type { CreatePlanRequestSchema, Plan, UpdatePlanRequestSchema } from '@gateway/shared';
import type { z } from 'zod';
import type { PrismaClient, PrismaTx } from '../db/client.js';
import { ApiError } from '../errors.js';
import type { Plan as PlanRow } from '../generated/prisma/client.js';

type CreatePlanInput = z.output<typeof CreatePlanRequestSchema>;
type UpdatePlanInput = z.output<typeof UpdatePlanRequestSchema>;

export type PlanWithCount = PlanRow & { _count: { keys: number } };

const withKeyCount = { _count: { select: { keys: true } } } as const;

export function toPlan(row: PlanWithCount): Plan {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    timeZone: row.timeZone,
    windows: row.windows as Plan['windows'],
    keyCount: row._count.keys,
    managedByFile: row.managedByFile,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const nameTaken = (name: string) =>
  new ApiError('CONFLICT', `A plan named "${name}" already exists.`, {
    errors: [{ path: 'name', message: 'is already taken' }],
  });

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/** Every plan, by name (`GET /plans`): plans are few. */
export async function listPlans(prisma: PrismaClient): Promise<PlanWithCount[]> {
  return prisma.plan.findMany({ orderBy: { name: 'asc' }, include: withKeyCount });
}

export async function getPlanOrThrow(tx: PrismaTx, id: string): Promise<PlanWithCount> {
  const row = await tx.plan.findUnique({ where: { id }, include: withKeyCount });
  if (!row) throw new ApiError('NOT_FOUND', `No plan with id ${id}.`);
  return row;
}

/** A plan a key is being put on: a missing one is the request's fault (400), not a missing resource. */
export async function assertPlanExists(tx: PrismaTx, id: string): Promise<void> {
  const row = await tx.plan.findUnique({ where: { id }, select: { id: true } });
  if (!row) {
    throw new ApiError('VALIDATION_FAILED', `No plan with id ${id}.`, {
      errors: [{ path: 'planId', message: 'is not a plan' }],
    });
  }
}

export async function createPlan(tx: PrismaTx, input: CreatePlanInput): Promise<PlanWithCount> {
  if (await tx.plan.findUnique({ where: { name: input.name }, select: { id: true } })) throw nameTaken(input.name);
  try {
    return await tx.plan.create({
      data: {
        name: input.name,
        description: input.description ?? null,
        timeZone: input.timeZone,
        windows: input.windows,
      },
      include: withKeyCount,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name); // two creations racing
    throw error;
  }
}

/** Locks the plan row until the transaction ends, so concurrent changes and deletes serialise. */
async function lockPlanOrThrow(tx: PrismaTx, id: string): Promise<PlanWithCount> {
  await tx.$queryRaw`SELECT id FROM plans WHERE id = ${id}::uuid FOR UPDATE`;
  return getPlanOrThrow(tx, id);
}

export async function updatePlan(tx: PrismaTx, id: string, input: UpdatePlanInput) {
  const before = await lockPlanOrThrow(tx, id);
  if (input.name !== undefined && input.name !== before.name) {
    if (await tx.plan.findUnique({ where: { name: input.name }, select: { id: true } })) throw nameTaken(input.name);
  }
  try {
    const row = await tx.plan.update({
      where: { id },
      data: {
        name: input.name,
        description: input.description,
        timeZone: input.timeZone,
        windows: input.windows,
      },
      include: withKeyCount,
    });
    return { before, row };
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name ?? before.name);
    throw error;
  }
}

/** Deletes a plan no key uses; while keys use it, 409 (move them to another plan first). */
export async function deletePlan(tx: PrismaTx, id: string): Promise<PlanWithCount> {
  const row = await lockPlanOrThrow(tx, id);
  // Keys put on the plan concurrently wait for this lock (their FK check reads the row): none slips past.
  const keys = await tx.apiKey.count({ where: { planId: id } });
  if (keys > 0) {
    throw new ApiError(
      'CONFLICT',
      `${keys} key${keys === 1 ? ' uses' : 's use'} this plan; move ${keys === 1 ? 'it' : 'them'} to another plan first.`,
    );
  }
  await tx.plan.delete({ where: { id } });
  return row;
}

/** Refuses an API change to a plan the configuration file defines: the file is the source of truth. */
export function assertPlanNotManagedByFile(row: PlanRow): void {
  if (row.managedByFile) {
    throw new ApiError(
      'CONFLICT',
      `The plan "${row.name}" is defined by the configuration file (GATEWAY_CONFIG_FILE); change it there.`,
    );
  }
}
