import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('slotted counters', () => {
  it('show slot increments at every read, once, alongside direct increments', async () => {
    const { registry, keyCache } = createMetrics();
    const hit = keyCache.slot({ result: 'hit' });
    for (let i = 0; i < 3; i++) hit.inc();
    keyCache.inc({ result: 'hit' });
    keyCache.labels('miss').inc();
    const line = (text: string, result: string) =>
      text.split('\n').find((l) => l.startsWith(`gateway_key_cache_lookups_total{result="${result}"}`));
    const first = await registry.getSingleMetricAsString('gateway_key_cache_lookups_total');
    expect(line(first, 'hit')).toBe('gateway_key_cache_lookups_total{result="hit"} 4');
    expect(line(first, 'miss')).toBe('gateway_key_cache_lookups_total{result="miss"} 1');
    // A second read adds nothing that was already added; new increments appear at the next read.
    expect(line(await registry.metrics(), 'hit')).toBe('gateway_key_cache_lookups_total{result="hit"} 4');
    hit.inc();
    const { values } = await keyCache.get();
    expect(values.find((v) => v.labels.result === 'hit')?.value).toBe(5);
  });
});
