import { MAX_USAGE_SERIES_POINTS } from '@gateway/shared';
import { describe, expect, it } from 'vitest';
import { fillSeries } from './stats.js';

describe('fillSeries', () => {
  it('fills empty buckets with zeros, aligned to multiples of the bucket size', () => {
    const t = (iso: string) => new Date(iso);
    const series = fillSeries(
      [{ t: t('2026-01-01T00:05:00Z'), requests: 3, errors: 1 }],
      t('2026-01-01T00:02:00Z'),
      t('2026-01-01T00:12:00Z'),
      300,
    );
    expect(series).toEqual([
      { t: '2026-01-01T00:00:00.000Z', requests: 0, errors: 0 },
      { t: '2026-01-01T00:05:00.000Z', requests: 3, errors: 1 },
      { t: '2026-01-01T00:10:00.000Z', requests: 0, errors: 0 },
    ]);
  });

  it('never materialises more than the series cap, whatever window it is given', () => {
    // 0001–9999 in minutes: 5 billion points before the cap.
    const series = fillSeries([], new Date('0001-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59Z'), 60);
    expect(series).toHaveLength(MAX_USAGE_SERIES_POINTS);
  });
});
