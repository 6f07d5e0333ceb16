import { describe, expect, it } from 'vitest';
import { collectPages, type Page } from './pagination.js';
import { failure, type Result } from './result.js';

/** A list of `total` numbers served `size` at a time, cursors being the next offset. */
function pages(total: number, size: number) {
  const asked: (string | undefined)[] = [];
  const fetchPage = async (cursor: string | undefined): Promise<Result<Page<number>>> => {
    asked.push(cursor);
    const from = cursor ? Number(cursor) : 0;
    const data = Array.from({ length: Math.min(size, total - from) }, (_, i) => from + i);
    return { ok: true, status: 200, data: { data, nextCursor: from + size < total ? String(from + size) : null } };
  };
  return { fetchPage, asked };
}

describe('collectPages', () => {
  it('follows cursors to the end', async () => {
    const { fetchPage, asked } = pages(7, 3);
    const result = await collectPages(fetchPage);
    expect(result).toEqual({ ok: true, status: 200, data: { data: [0, 1, 2, 3, 4, 5, 6], truncated: false } });
    expect(asked).toEqual([undefined, '3', '6']);
  });

  it('stops at max and says the list was cut', async () => {
    const result = await collectPages(pages(10, 3).fetchPage, 4);
    expect(result).toMatchObject({ ok: true, data: { data: [0, 1, 2, 3], truncated: true } });
  });

  it('is not truncated when the list has exactly max entries', async () => {
    const result = await collectPages(pages(6, 3).fetchPage, 6);
    expect(result).toMatchObject({ ok: true, data: { truncated: false } });
  });

  it('returns the first failure instead of a partial list', async () => {
    let calls = 0;
    const failed = failure('network', 'down');
    const result = await collectPages<number>(async () =>
      ++calls === 1 ? { ok: true, status: 200, data: { data: [1], nextCursor: 'x' } } : failed,
    );
    expect(result).toBe(failed);
  });

  it('ends when a cursor repeats instead of looping forever', async () => {
    const result = await collectPages<number>(async () => ({
      ok: true,
      status: 200,
      data: { data: [1], nextCursor: 'same' },
    }));
    expect(result).toMatchObject({ ok: true, data: { data: [1, 1], truncated: false } });
  });
});
