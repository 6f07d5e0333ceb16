import { describe, expect, it } from 'vitest';
import { liveBytes } from '../../test/support/memory.js';
import { MAX_STORED_PATH_LENGTH, storedPath, TRUNCATION_MARK, truncatePath } from './stored-path.js';

describe('storedPath', () => {
  it('is the path after the prefix, without the query string', () => {
    expect(storedPath('/proxy/v1/items?page=2', 6)).toBe('/v1/items');
    expect(storedPath('/proxy', 6)).toBe('/');
    expect(storedPath('/proxy?api_key=x', 6)).toBe('/');
    expect(storedPath(`/proxy/a?${'q'.repeat(500)}`, 6)).toBe('/a');
  });

  it('cuts paths over 1 KiB and marks the cut', () => {
    const path = `/${'p'.repeat(15_000)}`;
    const stored = storedPath(`/proxy${path}?x=1`, 6);
    expect(stored).toHaveLength(MAX_STORED_PATH_LENGTH);
    expect(stored).toBe(path.slice(0, MAX_STORED_PATH_LENGTH - 1) + TRUNCATION_MARK);
    expect(truncatePath(path)).toBe(stored);
    const exact = `/${'p'.repeat(MAX_STORED_PATH_LENGTH - 1)}`;
    expect(storedPath(`/proxy${exact}`, 6)).toBe(exact);
  });

  it('does not keep the long URL it was cut from alive', () => {
    const urls = (i: number) => [
      `/proxy/${String(i).padStart(6, '0')}${'p'.repeat(15_000)}`,
      `/proxy/items/${String(i).padStart(6, '0')}?q=${'q'.repeat(15_000)}`,
    ];
    const kept: string[] = [];
    const before = liveBytes();
    // Each URL is built afresh, as the HTTP parser does for every request.
    for (let i = 0; i < 1_000; i++) for (const url of urls(i)) kept.push(storedPath(Buffer.from(url).toString(), 6));
    const grown = liveBytes() - before;
    // Slices kept every 15 KB URL: ~30 MB. Copies: ~2 KB per cut path, ~60 B per short one.
    expect(grown).toBeLessThan(6 * 1024 * 1024);
    expect(kept).toHaveLength(2_000);
  });
});
