/** Longest path a usage record keeps, in characters; longer ones are cut and marked with `…`. */
export const MAX_STORED_PATH_LENGTH = 1_024;
/** Ends a cut path. U+2026 cannot occur in a request target (it would be percent-encoded). */
export const TRUNCATION_MARK = '…';
// Characters of the URL (`/proxy` and the query string) a stored path may keep alive besides itself.
const RETAINED_SLACK = 64;

/** `path` cut to MAX_STORED_PATH_LENGTH characters, the last one the truncation mark. */
export function truncatePath(path: string): string {
  return flatCopy(path.slice(0, MAX_STORED_PATH_LENGTH - 1) + TRUNCATION_MARK);
}

/**
 * The path of `url` (from `start` up to its query string) as a usage record stores it. In V8 a
 * slice of a string keeps the whole string alive: a record of a 15 KB URL held 15 KB even once its
 * path was cut (measured). So the path is copied when the URL is more than slightly longer than it
 * (a long query string, a cut path); otherwise the slice costs nothing and keeps at most
 * RETAINED_SLACK characters more than the path alive, which the buffer's byte count allows for.
 */
export function storedPath(url: string, start: number): string {
  const query = url.indexOf('?', start);
  const end = query === -1 ? url.length : query;
  if (end === start) return '/';
  if (end - start > MAX_STORED_PATH_LENGTH) return truncatePath(url.slice(start, end));
  const path = url.slice(start, end);
  return url.length - path.length > RETAINED_SLACK ? flatCopy(path) : path;
}

// Appending forces V8 to build a new flat string, and slicing that keeps only the new one alive.
// test/reliability/postgres-outage.test.ts measures the heap a buffer of long URLs retains.
function flatCopy(s: string): string {
  return `${s} `.slice(0, -1);
}
