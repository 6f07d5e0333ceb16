import {
  type CreatePlanRequest,
  CreatePlanRequestSchema,
  type CreateRouteRequest,
  CreateRouteRequestSchema,
} from '@gateway/shared';
import { z } from 'zod';
import { appendAudit, type Changes, creationOf } from '../audit/audit-log.js';
import type { PrismaClient, PrismaTx } from '../db/client.js';
import { createPlan, deletePlan, updatePlan } from '../repositories/plans.js';
import { createRoute, deleteRoute, listRoutes, updateRoute } from '../repositories/routes.js';
import { type Change, type CurrentItem, diffItems } from './diff.js';
import { type FileIssue, parseConfigFile } from './file.js';

type RouteSpec = z.output<typeof CreateRouteRequestSchema>;
type PlanSpec = z.output<typeof CreatePlanRequestSchema>;

/** Names must be unique per kind within the file: the second one is the problem, at its own line. */
function uniqueNames(items: readonly { name: string }[], ctx: z.RefinementCtx, kind: string) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) {
      ctx.addIssue({ code: 'custom', path: [kind, i, 'name'], message: `"${item.name}" is defined twice` });
    }
    seen.add(item.name);
  });
}

/**
 * The declarative configuration file (GATEWAY_CONFIG_FILE): what an operator keeps in their own
 * repository. Each entry is validated by the very schema `POST /routes` uses.
 */
export const ConfigFileSchema = z
  .strictObject({
    routes: z.array(CreateRouteRequestSchema, { error: 'must be a list of routes' }).default([]),
    plans: z.array(CreatePlanRequestSchema, { error: 'must be a list of plans' }).default([]),
  })
  .superRefine((file, ctx) => {
    uniqueNames(file.routes, ctx, 'routes');
    uniqueNames(file.plans, ctx, 'plans');
    const prefixes = new Set<string>();
    file.routes.forEach((route, i) => {
      if (prefixes.has(route.prefix)) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'prefix'], message: `"${route.prefix}" is used twice` });
      }
      prefixes.add(route.prefix);
    });
  });
export type ConfigFile = z.output<typeof ConfigFileSchema>;
export type ConfigFileInput = { routes?: CreateRouteRequest[]; plans?: CreatePlanRequest[] };

const ROUTE_FIELDS = [
  'prefix',
  'targets',
  'timeoutMs',
  'retries',
  'stripPrefix',
  'enabled',
  'cost',
  'ejectAfterFailures',
  'ejectCooldownMs',
] as const;

const routeSpec = (row: RouteSpec): Omit<RouteSpec, 'name'> =>
  Object.fromEntries(ROUTE_FIELDS.map((f) => [f, row[f]])) as Omit<RouteSpec, 'name'>;

const planSpec = (plan: { description?: string | null; timeZone: string; windows: unknown }) => ({
  description: plan.description ?? null,
  timeZone: plan.timeZone,
  windows: plan.windows as PlanSpec['windows'],
});
type PlanFields = ReturnType<typeof planSpec>;

export interface ApplyResult {
  changes: Change<unknown>[];
  /** Topics whose caches must reload on every replica (after the transaction committed). */
  changedTopics: Array<'routes' | 'plans'>;
}

const FILE_ACTOR = { kind: 'system' as const, id: null, label: 'configuration file' };
// One apply at a time across replicas (every replica applies the same file at start).
const APPLY_LOCK = 7_140_015;

/**
 * What applying `file` changes, and — unless `dryRun` — the change itself, in one transaction: plans
 * and routes the file names are created or updated (and from then on managed by it, read-only
 * through the API), those it managed and no longer names are deleted, those made through the API and
 * not named are left alone. Per kind, deletes run first, then updates, then creates, so a prefix can
 * move between routes. Plans go first. A plan still used by keys cannot be deleted (409, nothing
 * applied).
 */
export async function applyConfigFile(
  prisma: PrismaClient,
  file: ConfigFile,
  options: { dryRun: boolean; requestId?: string },
): Promise<ApplyResult> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${APPLY_LOCK})`;
    const rows = await listRoutes(tx);
    const current: CurrentItem<Omit<RouteSpec, 'name'>>[] = rows.map((row) => ({
      name: row.name,
      spec: routeSpec(row as unknown as RouteSpec),
      managed: row.managedByFile,
    }));
    const routeChanges = diffItems(
      'route',
      current,
      file.routes.map((route) => ({ name: route.name, spec: routeSpec(route) })),
    );
    const planRows = await tx.plan.findMany({ orderBy: { name: 'asc' } });
    const planChanges = diffItems<PlanFields>(
      'plan',
      planRows.map((row) => ({ name: row.name, spec: planSpec(row), managed: row.managedByFile })),
      file.plans.map((plan) => ({ name: plan.name, spec: planSpec(plan) })),
    );
    const changes: Change<unknown>[] = [...planChanges, ...routeChanges];
    if (options.dryRun || changes.length === 0) return { changes, changedTopics: [] };
    const ctx = { ip: null, userAgent: null, requestId: options.requestId ?? 'configuration-file' };
    const planIds = new Map(planRows.map((row) => [row.name, row.id]));
    for (const change of [...planChanges].sort(byAction)) {
      await applyChange(tx, PLAN_OPS, change, planIds.get(change.name), ctx);
    }
    const routeIds = new Map(rows.map((row) => [row.name, row.id]));
    for (const change of [...routeChanges].sort(byAction)) {
      await applyChange(tx, ROUTE_OPS, change, routeIds.get(change.name), ctx);
    }
    const changedTopics: ApplyResult['changedTopics'] = [];
    if (planChanges.length > 0) changedTopics.push('plans');
    if (routeChanges.length > 0) changedTopics.push('routes');
    return { changes, changedTopics };
  });
}

const order = { delete: 0, update: 1, create: 2 } as const;
const byAction = (a: Change<unknown>, b: Change<unknown>) => order[a.action] - order[b.action];

/** How the file's changes are made for one kind: the same repository functions the API uses. */
interface KindOps<T> {
  kind: 'plan' | 'route';
  create(tx: PrismaTx, name: string, spec: T): Promise<{ id: string }>;
  update(tx: PrismaTx, id: string, spec: T): Promise<unknown>;
  remove(tx: PrismaTx, id: string): Promise<unknown>;
  markManaged(tx: PrismaTx, id: string): Promise<unknown>;
}

const PLAN_OPS: KindOps<PlanFields> = {
  kind: 'plan',
  create: (tx, name, spec) => createPlan(tx, { name, ...spec }),
  update: (tx, id, spec) => updatePlan(tx, id, spec),
  remove: (tx, id) => deletePlan(tx, id),
  markManaged: (tx, id) => tx.plan.update({ where: { id }, data: { managedByFile: true } }),
};

const ROUTE_OPS: KindOps<Omit<RouteSpec, 'name'>> = {
  kind: 'route',
  create: (tx, name, spec) => createRoute(tx, { name, ...spec }),
  update: (tx, id, spec) => updateRoute(tx, id, spec),
  remove: (tx, id) => deleteRoute(tx, id),
  markManaged: (tx, id) => tx.route.update({ where: { id }, data: { managedByFile: true } }),
};

/** One change, made and audited (actor: the configuration file); the row is marked as the file's. */
async function applyChange<T extends object>(
  tx: PrismaTx,
  ops: KindOps<T>,
  change: Change<T>,
  id: string | undefined,
  ctx: { ip: null; userAgent: null; requestId: string },
): Promise<void> {
  let targetId = id ?? null;
  let changes: Changes = {};
  if (change.action === 'delete' && id) {
    await ops.remove(tx, id);
  } else if (change.action === 'update' && id) {
    await ops.update(tx, id, change.spec);
    await ops.markManaged(tx, id);
    changes = Object.fromEntries(Object.entries(change.fields).map(([k, v]) => [k, { from: v.from, to: v.to }]));
  } else if (change.action === 'create') {
    targetId = (await ops.create(tx, change.name, change.spec)).id;
    await ops.markManaged(tx, targetId);
    changes = creationOf({ name: change.name, ...change.spec });
  }
  await appendAudit(tx, ctx, {
    action: `${ops.kind}.${change.action}`,
    actor: FILE_ACTOR,
    target: { type: ops.kind, id: targetId, label: change.name },
    subjectUserId: null,
    changes,
  });
}

/** Parses and validates the file's text: the value, or every problem with its line. */
export function readConfigFile(text: string): { ok: true; value: ConfigFile } | { ok: false; issues: FileIssue[] } {
  return parseConfigFile(text, ConfigFileSchema);
}
