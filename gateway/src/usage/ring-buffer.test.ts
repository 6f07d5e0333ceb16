import { describe, expect, it } from 'vitest';
import { recordBytes, UsageRing } from './ring-buffer.js';

const contents = (ring: UsageRing) =>
  Array.from({ length: ring.size }, (_, i) => {
    const slot = ring.slot(i);
    return [ring.paths[slot], ring.statuses[slot], ring.times[slot]];
  });

describe('UsageRing', () => {
  it('keeps records in order across the wrap-around and reports each overwrite', () => {
    const ring = new UsageRing(3);
    const pushed = [1, 2, 3, 4, 5].map((n) =>
      ring.push('key', 'user', 'default', 'GET', `/p${n}`, 200 + n, n / 4, 1000 + n, 0, 0, undefined),
    );
    expect(pushed).toEqual([0, 0, 0, 1, 1]);
    expect(contents(ring)).toEqual([
      ['/p3', 203, 1003],
      ['/p4', 204, 1004],
      ['/p5', 205, 1005],
    ]);
    expect(ring.latencies[ring.slot(2)]).toBe(1.25);
  });

  it('drops the oldest records, releases their strings and forgets their ids', () => {
    const ring = new UsageRing(4);
    for (let n = 1; n <= 6; n++) ring.push('key', 'user', 'default', 'GET', `/p${n}`, 200, 1, n, 0, 0, undefined);
    const oldest = ring.slot(0);
    ring.ids[oldest] = 'id-of-p3';
    ring.drop(2);
    expect(contents(ring).map(([path]) => path)).toEqual(['/p5', '/p6']);
    expect([
      ring.paths[oldest],
      ring.keyIds[oldest],
      ring.userIds[oldest],
      ring.routes[oldest],
      ring.ids[oldest],
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // A slot reused by a new record starts without an id.
    ring.push('key', 'user', 'default', 'GET', '/p7', 200, 1, 7, 0, 0, undefined);
    ring.push('key', 'user', 'default', 'GET', '/p8', 200, 1, 8, 0, 0, undefined);
    expect(ring.ids[ring.slot(3)]).toBeUndefined();
    ring.drop(10);
    expect(ring.size).toBe(0);
  });

  it('is bounded in bytes too: a long record pushes out as many of the oldest as it needs', () => {
    const short = recordBytes('/p1');
    const long = recordBytes('/'.padEnd(1_024, 'x'));
    const ring = new UsageRing(100, 4 * short + long - 1);
    for (let n = 1; n <= 5; n++)
      expect(ring.push('key', 'user', 'default', 'GET', `/p${n}`, 200, 1, n, 0, 0, undefined)).toBe(0);
    expect(ring.bytes).toBe(5 * short);
    // Room for the long record needs 4 × short + long bytes: at most three short ones may stay.
    expect(ring.push('key', 'user', 'default', 'GET', '/'.padEnd(1_024, 'x'), 200, 1, 6, 0, 0, undefined)).toBe(2);
    expect(contents(ring).map(([path]) => String(path).slice(0, 3))).toEqual(['/p3', '/p4', '/p5', '/xx']);
    expect(ring.bytes).toBe(3 * short + long);
    ring.drop(4);
    expect(ring.bytes).toBe(0);
  });

  it('charges a kept client address against the byte bound and releases it with its record', () => {
    const ring = new UsageRing(10);
    ring.push('key', 'user', 'default', 'GET', '/p', 200, 1, 1, 10, 20, '2001:db8::1');
    expect(ring.bytes).toBe(recordBytes('/p', '2001:db8::1'));
    expect(recordBytes('/p', '2001:db8::1')).toBeGreaterThan(recordBytes('/p') + 2 * '2001:db8::1'.length);
    const slot = ring.slot(0);
    expect([ring.requestBytes[slot], ring.responseBytes[slot], ring.clientIps[slot]]).toEqual([10, 20, '2001:db8::1']);
    ring.drop(1);
    expect(ring.bytes).toBe(0);
    expect(ring.clientIps[slot]).toBeUndefined();
  });
});
