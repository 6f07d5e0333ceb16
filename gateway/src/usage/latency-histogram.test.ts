import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../db/migrate.js';
import { estimateQuantiles, LATENCY_BOUNDS_MS, LATENCY_BUCKETS, latencyBucket } from './latency-histogram.js';

const histogramOf = (values: number[]) => {
  const counts = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const v of values) counts[latencyBucket(v)]!++;
  return counts;
};

/** percentile_disc: the value at rank floor(q·(n−1)) of the sorted values. */
const exactAtRank = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

describe('LATENCY_BOUNDS_MS', () => {
  it('rises by at most 14.3 % from one bound to the next, from 0.1 ms to 100 s', () => {
    expect(LATENCY_BOUNDS_MS).toHaveLength(121);
    expect(LATENCY_BOUNDS_MS[0]).toBe(0.1);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(100_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BOUNDS_MS[i]! / LATENCY_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.1);
      expect(ratio).toBeLessThanOrEqual(8 / 7 + 1e-9);
    }
  });

  it('equals the bounds the usage_rollup migration gives the database', () => {
    const dir = readdirSync(MIGRATIONS_DIR).find((d) => d.endsWith('_usage_rollup'))!;
    const sql = readFileSync(join(MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8');
    const literal = /usage_latency_bounds\(\)[\s\S]*?'\{([^}]*)\}'::float8\[\]/.exec(sql)![1]!;
    expect(literal.split(',').map((s) => Number(s.trim()))).toEqual(LATENCY_BOUNDS_MS);
  });
});

describe('latencyBucket', () => {
  it('numbers buckets as width_bucket does: a bound opens its bucket', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.0999)).toBe(0);
    expect(latencyBucket(0.1)).toBe(1);
    expect(latencyBucket(1)).toBe(21);
    expect(latencyBucket(1.119)).toBe(21);
    expect(latencyBucket(1.12)).toBe(22);
    expect(latencyBucket(99_999)).toBe(120);
    expect(latencyBucket(100_000)).toBe(121);
    expect(latencyBucket(3_600_000)).toBe(121);
  });
});

describe('estimateQuantiles', () => {
  it('answers null for an empty histogram', () => {
    expect(estimateQuantiles(histogramOf([]), [0.5, 0.99], { min: 0, max: 0 })).toEqual([null, null]);
  });

  it('matches percentile_cont on evenly spread values (1…100 ms)', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const [p50, p95, p99] = estimateQuantiles(histogramOf(values), [0.5, 0.95, 0.99], { min: 1, max: 100 });
    expect(p50).toBeCloseTo(50.5, 6);
    expect(p95).toBeCloseTo(95.05, 6);
    expect(p99).toBeCloseTo(99.01, 6);
  });

  it('stays within one bucket (≤ 14.3 %) of the exact value for skewed latencies', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return (seed + 0.5) / 2 ** 31;
    };
    for (const [median, spread] of [
      [0.4, 0.3],
      [20, 0.8],
      [250, 1.5],
      [9_000, 0.5],
    ] as const) {
      const values = Array.from({ length: 20_000 }, () => {
        const normal = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
        return median * Math.exp(spread * normal);
      });
      const sorted = [...values].sort((a, b) => a - b);
      const qs = [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999];
      const estimates = estimateQuantiles(histogramOf(values), qs, { min: sorted[0]!, max: sorted.at(-1)! });
      qs.forEach((q, i) => {
        const exact = exactAtRank(sorted, q);
        expect(Math.abs(estimates[i]! - exact) / exact).toBeLessThan(0.143);
      });
    }
  });

  it('uses the observed extremes for the open-ended buckets', () => {
    const [p0, p100] = estimateQuantiles(histogramOf([0.01, 0.02, 150_000, 200_000]), [0, 1], {
      min: 0.01,
      max: 200_000,
    });
    expect(p0).toBeCloseTo(0.01, 6);
    expect(p100).toBe(200_000);
  });
});
