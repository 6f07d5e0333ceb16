import { isValidTimeZone, zoneCalendar } from './calendar.js';
import type { LimitPolicy, LimitWindow, WindowScope, WindowSpec, WindowUnit } from './types.js';

export const WINDOW_UNITS: readonly WindowUnit[] = ['second', 'minute', 'hour', 'day', 'month'];
const PERIOD_MS: Record<WindowUnit, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 0, month: 0 };
// `w` of RateLimit-Policy in seconds; calendar windows give their nominal length (a day can be 23 or
// 25 hours in a DST zone, a month 28–31 days) — the `RateLimit` field's `t` carries the exact reset.
const NOMINAL_SECONDS: Record<WindowUnit, number> = {
  second: 1,
  minute: 60,
  hour: 3_600,
  day: 86_400,
  month: 2_592_000,
};
/**
 * Largest limit of one window. Sliding windows compare `count × period` in exact integer
 * arithmetic (doubles in Lua): 10⁹ × 3.6·10⁶ ms stays below 2⁵³.
 */
export const MAX_WINDOW_LIMIT = 1_000_000_000;

const windowName = (unit: WindowUnit, scope: WindowScope) => (scope === 'owner' ? `owner-${unit}` : unit);

function checkWindow(w: WindowSpec): void {
  if (!WINDOW_UNITS.includes(w.unit)) throw new RangeError(`unknown window unit: ${String(w.unit)}`);
  if (w.scope !== 'key' && w.scope !== 'owner') throw new RangeError(`unknown window scope: ${String(w.scope)}`);
  if (!Number.isSafeInteger(w.limit) || w.limit < 0 || w.limit > MAX_WINDOW_LIMIT) {
    throw new RangeError(`window limit must be an integer from 0 to ${MAX_WINDOW_LIMIT}, got ${w.limit}`);
  }
}

/**
 * Validates and orders windows (key windows first, shortest first) and precomputes their names and
 * the RateLimit-Policy field. Throws RangeError on anything the management API would have refused.
 */
export function compilePolicy(specs: readonly WindowSpec[], timeZone = 'UTC'): LimitPolicy {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${timeZone}`);
  const seen = new Set<string>();
  const windows: LimitWindow[] = [];
  for (const spec of specs) {
    checkWindow(spec);
    const name = windowName(spec.unit, spec.scope);
    if (seen.has(name)) throw new RangeError(`two ${spec.scope} windows of one ${spec.unit}`);
    seen.add(name);
    windows.push({
      unit: spec.unit,
      limit: spec.limit,
      scope: spec.scope,
      shadow: spec.shadow === true,
      name,
      periodMs: PERIOD_MS[spec.unit],
    });
  }
  windows.sort(
    (a, b) =>
      (a.scope === b.scope ? 0 : a.scope === 'key' ? -1 : 1) ||
      WINDOW_UNITS.indexOf(a.unit) - WINDOW_UNITS.indexOf(b.unit),
  );
  const header = windows
    .map((w) => `"${w.name}";q=${w.limit};w=${NOMINAL_SECONDS[w.unit]}${w.shadow ? ';shadow' : ''}`)
    .join(', ');
  return Object.freeze({
    windows: Object.freeze(windows),
    timeZone,
    calendar: zoneCalendar(timeZone),
    hasOwnerWindows: windows.some((w) => w.scope === 'owner'),
    header,
  });
}

// Keys without a plan: the same two numbers for many keys, so their policies are shared. Bounded so
// a stream of odd limits cannot grow it forever.
const KEY_POLICY_CACHE_MAX = 1024;
const keyPolicies = new Map<number, Map<number, LimitPolicy>>();
let keyPolicyCount = 0;

/** The seed's per-key limits as a policy: a sliding minute and a UTC calendar day, both enforced. */
export function keyLimits(perMinute: number, perDay: number): LimitPolicy {
  let byDay = keyPolicies.get(perMinute);
  const cached = byDay?.get(perDay);
  if (cached !== undefined) return cached;
  const policy = compilePolicy([
    { unit: 'minute', limit: perMinute, scope: 'key', shadow: false },
    { unit: 'day', limit: perDay, scope: 'key', shadow: false },
  ]);
  if (keyPolicyCount >= KEY_POLICY_CACHE_MAX) {
    keyPolicies.clear();
    keyPolicyCount = 0;
    byDay = undefined;
  }
  if (byDay === undefined) {
    byDay = new Map();
    keyPolicies.set(perMinute, byDay);
  }
  byDay.set(perDay, policy);
  keyPolicyCount++;
  return policy;
}
