import { expect, test } from '@playwright/test';
import { formatClock, formatDateTime, formatDay, formatDuration, formatLogTime, formatPercent } from '../lib/format';

// The dashboard's one set of formatters (lib/format.ts), checked without a browser.

test.describe('formatPercent', () => {
  test('at most one decimal, none when there is none to show', () => {
    expect(formatPercent(34, 100)).toBe('34%');
    expect(formatPercent(1, 3)).toBe('33.3%');
    expect(formatPercent(2, 3)).toBe('66.7%');
    expect(formatPercent(0, 7)).toBe('0%');
    expect(formatPercent(7, 7)).toBe('100%');
  });

  test('a share that is not zero never reads 0%, one short of all never 100%', () => {
    expect(formatPercent(1, 5_000)).toBe('<0.1%');
    expect(formatPercent(4_999, 5_000)).toBe('>99.9%');
  });

  test('no total: no percentage at all', () => {
    expect(formatPercent(0, 0)).toBeNull();
  });
});

test.describe('times', () => {
  // Local-time dates, so the expectations hold in any time zone.
  const midnight = new Date(2026, 10, 26, 0, 5, 9);
  const afternoon = new Date(2026, 10, 26, 14, 5, 9);

  test('one 24-hour clock everywhere, midnight as 00, never 24 or AM/PM', () => {
    expect(formatDateTime(midnight)).toBe('Nov 26, 2026, 00:05');
    expect(formatDateTime(afternoon.toISOString())).toBe('Nov 26, 2026, 14:05');
    expect(formatLogTime(midnight)).toBe('Nov 26, 00:05:09');
    expect(formatClock(afternoon.getTime())).toBe('14:05');
    expect(formatClock(midnight)).toBe('00:05');
  });

  test('chart days read "Nov 26"', () => {
    expect(formatDay(afternoon)).toBe('Nov 26');
  });

  test('bucket sizes in words', () => {
    expect(formatDuration(60)).toBe('1 min');
    expect(formatDuration(900)).toBe('15 min');
    expect(formatDuration(3_600)).toBe('1 h');
    expect(formatDuration(21_600)).toBe('6 h');
    expect(formatDuration(86_400)).toBe('1 day');
    expect(formatDuration(604_800)).toBe('7 days');
  });
});
