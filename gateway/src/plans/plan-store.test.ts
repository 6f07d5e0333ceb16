import { describe, expect, it } from 'vitest';
import type { WindowSpec } from '../ratelimit/index.js';
import { withOverrides } from './plan-store.js';

const w = (
  unit: WindowSpec['unit'],
  limit: number,
  scope: WindowSpec['scope'] = 'key',
  shadow = false,
): WindowSpec => ({
  unit,
  limit,
  scope,
  shadow,
});

describe('withOverrides', () => {
  const plan = [w('minute', 100, 'key', true), w('day', 1_000), w('minute', 500, 'owner'), w('month', 9_000, 'owner')];

  it('keeps the plan as it is without numbers of the key’s own', () => {
    expect(withOverrides(plan, null, null)).toEqual(plan);
  });

  it('replaces the key minute (even a shadow one, which the override enforces) and leaves owner windows alone', () => {
    expect(withOverrides(plan, 5, null)).toEqual([
      w('day', 1_000),
      w('minute', 500, 'owner'),
      w('month', 9_000, 'owner'),
      w('minute', 5),
    ]);
  });

  it('adds a key day the plan does not have', () => {
    expect(withOverrides([w('second', 10)], null, 50)).toEqual([w('second', 10), w('day', 50)]);
  });
});
