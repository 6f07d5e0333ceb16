import type { ApiKey, Plan, PlanWindow } from '@gateway/shared';

/** One window a key's requests count in, as the gateway enforces it. */
export interface EffectiveWindow extends PlanWindow {
  /** Where the number comes from: the plan, the key's own override, or the key alone (no plan). */
  source: 'plan' | 'override' | 'key';
}

const UNIT_ORDER = ['second', 'minute', 'hour', 'day', 'month'] as const;

/**
 * The windows that apply to a key (README "Plans: windows, owner limits, shadow and cost"): without a
 * plan, its minute and day limits (or the gateway's defaults when both are null); on a plan, the plan's
 * windows, with the key's `limitPerMinute` / `limitPerDay` replacing the plan's key minute / day window
 * (enforced, never shadow).
 */
export function effectiveWindows(
  key: Pick<ApiKey, 'planId' | 'limitPerMinute' | 'limitPerDay'>,
  plan: Pick<Plan, 'windows'> | null,
  defaults: { limitPerMinute: number; limitPerDay: number } | null,
): EffectiveWindow[] | null {
  if (!key.planId) {
    const perMinute = key.limitPerMinute ?? defaults?.limitPerMinute;
    const perDay = key.limitPerDay ?? defaults?.limitPerDay;
    if (perMinute === undefined || perDay === undefined) return null;
    return [
      { unit: 'minute', limit: perMinute, scope: 'key', shadow: false, source: 'key' },
      { unit: 'day', limit: perDay, scope: 'key', shadow: false, source: 'key' },
    ];
  }
  if (!plan) return null;
  const overrides = { minute: key.limitPerMinute, day: key.limitPerDay } as const;
  const windows: EffectiveWindow[] = plan.windows.map((w) => {
    const override = w.scope === 'key' && (w.unit === 'minute' || w.unit === 'day') ? overrides[w.unit] : null;
    return override === null ? { ...w, source: 'plan' } : { ...w, limit: override, shadow: false, source: 'override' };
  });
  for (const unit of ['minute', 'day'] as const) {
    const override = overrides[unit];
    if (override !== null && !windows.some((w) => w.scope === 'key' && w.unit === unit)) {
      windows.push({ unit, limit: override, scope: 'key', shadow: false, source: 'override' });
    }
  }
  return windows.sort(
    (a, b) => a.scope.localeCompare(b.scope) || UNIT_ORDER.indexOf(a.unit) - UNIT_ORDER.indexOf(b.unit),
  );
}

/** "per minute", "per month"… */
export function perUnit(unit: PlanWindow['unit']): string {
  return `per ${unit}`;
}
