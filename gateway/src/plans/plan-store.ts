import { PlanWindowSchema } from '@gateway/shared';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { compilePolicy, keyLimits, type LimitPolicy, type WindowSpec } from '../ratelimit/index.js';

/** What the limit step needs to know about a key (see CachedKey). */
export interface KeyLimitRef {
  planId: string | null;
  limitPerMinute: number | null;
  limitPerDay: number | null;
}

/** A plan as every replica holds it: its compiled policy, and the variants of keys with overrides. */
export interface LoadedPlan {
  id: string;
  name: string;
  timeZone: string;
  windows: readonly WindowSpec[];
  policy: LimitPolicy;
  /** Policies of keys on this plan with their own minute/day numbers, by `minute:day`. */
  overrides: Map<string, LimitPolicy>;
}

export interface PlanStoreOptions {
  prisma: PrismaClient;
  logger: Logger;
  /** DEFAULT_LIMIT_PER_MINUTE / DEFAULT_LIMIT_PER_DAY: a plan-less key without numbers of its own. */
  defaults: { perMinute: number; perDay: number };
  /** Reload everything this often, should a change event have been lost (0: never). */
  reloadIntervalMs: number;
}

const StoredWindowsSchema = z.array(PlanWindowSchema);
// Keys with overrides on one plan: bounded, cleared wholesale when full.
const MAX_OVERRIDES_PER_PLAN = 1024;

/**
 * Every plan, in memory: the proxy resolves a key's windows without I/O. Reloaded whole on a
 * `plans` config event (a change on any replica) and periodically as a safety net; plans are few and
 * small. Until the first load succeeds (database down at start), keys on a plan get the defaults.
 */
export class PlanStore {
  private byId = new Map<string, LoadedPlan>();
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private loaded = false;

  constructor(private readonly options: PlanStoreOptions) {}

  /** Loads every plan; on failure keeps what it had (and says so). */
  async reload(): Promise<void> {
    const mine = ++this.generation;
    let rows: { id: string; name: string; timeZone: string; windows: unknown }[];
    try {
      rows = await this.options.prisma.plan.findMany({
        select: { id: true, name: true, timeZone: true, windows: true },
      });
    } catch (err) {
      this.options.logger.warn({ err }, 'loading plans failed; keeping the plans loaded before');
      return;
    }
    if (mine !== this.generation) return; // a later reload started meanwhile: its answer is newer
    const next = new Map<string, LoadedPlan>();
    for (const row of rows) {
      try {
        const windows = StoredWindowsSchema.parse(row.windows);
        next.set(row.id, {
          id: row.id,
          name: row.name,
          timeZone: row.timeZone,
          windows,
          policy: compilePolicy(windows, row.timeZone),
          overrides: new Map(),
        });
      } catch (err) {
        // Written through the API, so valid; a hand-edited row must not take the others down.
        this.options.logger.error({ err, planId: row.id }, 'plan has invalid windows; keys on it get the defaults');
      }
    }
    this.byId = next;
    this.loaded = true;
  }

  /** Reloads on every `plans` change and every `reloadIntervalMs`. */
  start(onChange: (listener: () => void) => void): void {
    onChange(() => void this.reload());
    if (this.options.reloadIntervalMs > 0) {
      this.timer = setInterval(() => void this.reload(), this.options.reloadIntervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get ready(): boolean {
    return this.loaded;
  }

  planOf(planId: string): LoadedPlan | undefined {
    return this.byId.get(planId);
  }

  /**
   * The windows of a key (hot path: map lookups only). Without a plan: its two numbers (the seed's
   * behaviour). On a plan: the plan's windows, its own numbers replacing the plan's key minute/day.
   */
  policyFor(key: KeyLimitRef): LimitPolicy {
    const { defaults } = this.options;
    const plan = key.planId === null ? undefined : this.byId.get(key.planId);
    if (plan === undefined) {
      return keyLimits(key.limitPerMinute ?? defaults.perMinute, key.limitPerDay ?? defaults.perDay);
    }
    if (key.limitPerMinute === null && key.limitPerDay === null) return plan.policy;
    const id = `${key.limitPerMinute}:${key.limitPerDay}`;
    let policy = plan.overrides.get(id);
    if (policy === undefined) {
      policy = compilePolicy(withOverrides(plan.windows, key.limitPerMinute, key.limitPerDay), plan.timeZone);
      if (plan.overrides.size >= MAX_OVERRIDES_PER_PLAN) plan.overrides.clear();
      plan.overrides.set(id, policy);
    }
    return policy;
  }
}

/** A plan's windows with a key's own minute/day numbers in place of the plan's key minute/day windows. */
export function withOverrides(
  windows: readonly WindowSpec[],
  perMinute: number | null,
  perDay: number | null,
): WindowSpec[] {
  const out = windows.filter(
    (w) =>
      !(w.scope === 'key' && ((w.unit === 'minute' && perMinute !== null) || (w.unit === 'day' && perDay !== null))),
  );
  if (perMinute !== null) out.push({ unit: 'minute', limit: perMinute, scope: 'key', shadow: false });
  if (perDay !== null) out.push({ unit: 'day', limit: perDay, scope: 'key', shadow: false });
  return out;
}
