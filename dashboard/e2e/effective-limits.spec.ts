import type { Plan } from '@gateway/shared';
import { expect, test } from '@playwright/test';
import { effectiveWindows } from '../app/(dashboard)/keys/[id]/_components/effective-limits';
import { formatCountdown } from '../lib/format';

// What a key's page shows as its limits (README "Plans: windows, owner limits, shadow and cost"), checked
// without a browser.

const plan: Pick<Plan, 'windows'> = {
  windows: [
    { unit: 'second', limit: 20, scope: 'key', shadow: false },
    { unit: 'minute', limit: 600, scope: 'key', shadow: false },
    { unit: 'day', limit: 5_000, scope: 'key', shadow: true },
    { unit: 'month', limit: 100_000, scope: 'owner', shadow: false },
    { unit: 'minute', limit: 900, scope: 'owner', shadow: false },
  ],
};
const onPlan = { planId: '00000000-0000-4000-8000-000000000000' };
const defaults = { limitPerMinute: 60, limitPerDay: 10_000 };

test('without a plan: the key minute and day limits, or the defaults where null', () => {
  expect(effectiveWindows({ planId: null, limitPerMinute: 100, limitPerDay: 2_000 }, null, defaults)).toEqual([
    { unit: 'minute', limit: 100, scope: 'key', shadow: false, source: 'key' },
    { unit: 'day', limit: 2_000, scope: 'key', shadow: false, source: 'key' },
  ]);
  const fallback = effectiveWindows({ planId: null, limitPerMinute: null, limitPerDay: null }, null, defaults);
  expect(fallback?.map((w) => w.limit)).toEqual([60, 10_000]);
  // Defaults not loaded yet: nothing to show rather than a made-up number.
  expect(effectiveWindows({ planId: null, limitPerMinute: null, limitPerDay: 5 }, null, null)).toBeNull();
});

test("on a plan: its windows, key before owner, shortest first; nothing until the plan's windows are known", () => {
  const windows = effectiveWindows({ ...onPlan, limitPerMinute: null, limitPerDay: null }, plan, defaults);
  expect(windows?.map((w) => `${w.scope}:${w.unit}:${w.limit}:${w.shadow}:${w.source}`)).toEqual([
    'key:second:20:false:plan',
    'key:minute:600:false:plan',
    'key:day:5000:true:plan',
    'owner:minute:900:false:plan',
    'owner:month:100000:false:plan',
  ]);
  expect(effectiveWindows({ ...onPlan, limitPerMinute: null, limitPerDay: null }, null, defaults)).toBeNull();
});

test("overrides replace the plan's key minute/day window, enforced; owner windows are never overridden", () => {
  const windows = effectiveWindows({ ...onPlan, limitPerMinute: 50, limitPerDay: 2_000 }, plan, defaults);
  expect(windows?.find((w) => w.scope === 'key' && w.unit === 'minute')).toEqual({
    unit: 'minute',
    limit: 50,
    scope: 'key',
    shadow: false,
    source: 'override',
  });
  // The shadow day window becomes the key's enforced override.
  expect(windows?.find((w) => w.scope === 'key' && w.unit === 'day')).toMatchObject({
    limit: 2_000,
    shadow: false,
    source: 'override',
  });
  expect(windows?.find((w) => w.scope === 'owner' && w.unit === 'minute')?.limit).toBe(900);
  // A plan without a key day window still gets the key's day override.
  const hourly: Pick<Plan, 'windows'> = { windows: [{ unit: 'hour', limit: 10, scope: 'key', shadow: false }] };
  expect(
    effectiveWindows({ ...onPlan, limitPerMinute: null, limitPerDay: 7 }, hourly, defaults)?.map(
      (w) => `${w.unit}:${w.limit}:${w.source}`,
    ),
  ).toEqual(['hour:10:plan', 'day:7:override']);
});

test('the grace countdown: hours, minutes and seconds, days when longer, never negative', () => {
  expect(formatCountdown(3_600_000)).toBe('01:00:00');
  expect(formatCountdown(3_599_001)).toBe('01:00:00'); // whole seconds, rounded up
  expect(formatCountdown(9_000)).toBe('00:00:09');
  expect(formatCountdown(7 * 86_400_000)).toBe('7 d 00:00:00');
  expect(formatCountdown(86_400_000 + 3_723_000)).toBe('1 d 01:02:03');
  expect(formatCountdown(-5_000)).toBe('00:00:00');
});
