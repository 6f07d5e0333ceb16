/** Form input → number: empty → undefined ("use the default" / "unchanged"), else the number as typed for the API to judge. */
export function numberOf(value: string): number | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/** The fields of `next` whose value differs from `before` (compared as JSON): what a PATCH sends. */
export function changedFields<T extends object>(before: T, next: T): Partial<T> {
  const body: Partial<T> = {};
  for (const name of Object.keys(next) as (keyof T)[]) {
    if (JSON.stringify(next[name]) !== JSON.stringify(before[name])) body[name] = next[name];
  }
  return body;
}
