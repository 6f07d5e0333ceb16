/** Only same-origin paths are followed after sign-in, never another origin (`//evil.example`, `/\evil`). */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return null;
  }
  return next;
}
