import type { Result } from './result.js';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Most entries `collectPages` gathers unless told otherwise: a guard against an endless loop in a script. */
export const DEFAULT_COLLECT_MAX = 10_000;

/**
 * Follows `nextCursor` from the first page until the list ends or `max` entries are gathered. The first
 * failure is returned as it is (entries gathered before it are dropped: a partial list would look whole).
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Result<Page<T>>>,
  max = DEFAULT_COLLECT_MAX,
): Promise<Result<{ data: T[]; truncated: boolean }>> {
  const data: T[] = [];
  let cursor: string | undefined;
  let status = 200;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(cursor);
    if (!page.ok) return page;
    status = page.status;
    for (const item of page.data.data) {
      if (data.length === max) return { ok: true, data: { data, truncated: true }, status };
      data.push(item);
    }
    const next = page.data.nextCursor;
    // A cursor seen before would loop forever (a gateway bug, but a script must still end).
    if (next === null || seen.has(next)) return { ok: true, data: { data, truncated: false }, status };
    seen.add(next);
    cursor = next;
  }
}
