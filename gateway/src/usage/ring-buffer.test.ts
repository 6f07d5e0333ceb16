import { describe, expect, it } from 'vitest';
import { UsageRing } from './ring-buffer.js';

const contents = (ring: UsageRing) =>
  Array.from({ length: ring.size }, (_, i) => {
    const slot = ring.slot(i);
    return [ring.paths[slot], ring.statuses[slot], ring.times[slot]];
  });

describe('UsageRing', () => {
  it('keeps records in order across the wrap-around and reports each overwrite', () => {
    const ring = new UsageRing(3);
    const pushed = [1, 2, 3, 4, 5].map((n) => ring.push('key', 'GET', `/p${n}`, 200 + n, n / 4, 1000 + n));
    expect(pushed).toEqual([false, false, false, true, true]);
    expect(contents(ring)).toEqual([
      ['/p3', 203, 1003],
      ['/p4', 204, 1004],
      ['/p5', 205, 1005],
    ]);
    expect(ring.latencies[ring.slot(2)]).toBe(1.25);
  });

  it('drops the oldest records, releases their strings and forgets their ids', () => {
    const ring = new UsageRing(4);
    for (let n = 1; n <= 6; n++) ring.push('key', 'GET', `/p${n}`, 200, 1, n);
    const oldest = ring.slot(0);
    ring.ids[oldest] = 'id-of-p3';
    ring.drop(2);
    expect(contents(ring).map(([path]) => path)).toEqual(['/p5', '/p6']);
    expect([ring.paths[oldest], ring.keyIds[oldest], ring.ids[oldest]]).toEqual([undefined, undefined, undefined]);
    // A slot reused by a new record starts without an id.
    ring.push('key', 'GET', '/p7', 200, 1, 7);
    ring.push('key', 'GET', '/p8', 200, 1, 8);
    expect(ring.ids[ring.slot(3)]).toBeUndefined();
    ring.drop(10);
    expect(ring.size).toBe(0);
  });
});
