import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from './fast-histogram.js';

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The same observations into prom-client's Histogram and FastHistogram: the /metrics text of each. */
async function bothExpositions(observations: [route: string, value: number][], labelled: boolean) {
  const reference = new Registry();
  const fast = new Registry();
  const labelNames = labelled ? ['route'] : [];
  const config = { name: 'test_duration_seconds', help: 'Test.', buckets };
  const ref = new Histogram({ ...config, labelNames, registers: [reference] });
  const ours = new FastHistogram({ ...config, labelNames, registers: [fast] });
  for (const [route, value] of observations) {
    if (labelled) {
      ref.labels(route).observe(value);
      ours.labels(route).observe(value);
    } else {
      ref.observe(value);
      ours.observe(value);
    }
  }
  return { expected: await reference.metrics(), actual: await fast.metrics() };
}

describe('FastHistogram', () => {
  it('exports exactly what prom-client’s Histogram exports for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('proxy', 'management', 'system'),
            fc.oneof(fc.constantFrom(...buckets, 0, 31, 1e9), fc.double({ min: 0, max: 60, noNaN: true })),
          ),
          { maxLength: 200 },
        ),
        fc.boolean(),
        async (observations, labelled) => {
          const { expected, actual } = await bothExpositions(observations, labelled);
          expect(actual).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('shows a typical series as Prometheus expects it', async () => {
    const { actual } = await bothExpositions(
      [
        ['proxy', 0.0004],
        ['proxy', 0.003],
        ['proxy', 45],
      ],
      true,
    );
    expect(actual).toContain('test_duration_seconds_bucket{le="0.001",route="proxy"} 1');
    expect(actual).toContain('test_duration_seconds_bucket{le="0.005",route="proxy"} 2');
    expect(actual).toContain('test_duration_seconds_bucket{le="30",route="proxy"} 2');
    expect(actual).toContain('test_duration_seconds_bucket{le="+Inf",route="proxy"} 3');
    expect(actual).toContain('test_duration_seconds_count{route="proxy"} 3');
  });

  it('refuses values prom-client refuses, and the wrong number of label values', () => {
    const h = new FastHistogram({ name: 'x', help: 'x', labelNames: ['route'], buckets, registers: [] });
    expect(() => h.labels('proxy').observe(Number.NaN)).toThrow(TypeError);
    expect(() => h.labels('proxy', 'extra')).toThrow(RangeError);
    expect(() => h.observe(1)).toThrow(RangeError);
  });
});
