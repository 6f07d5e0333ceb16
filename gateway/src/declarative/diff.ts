import { isDeepStrictEqual } from 'node:util';

/** A row as the database holds it: its name, its fields as the file would write them, who manages it. */
export interface CurrentItem<T> {
  name: string;
  spec: T;
  /** True when the configuration file created it (or took it over): the file may change or delete it. */
  managed: boolean;
}

export interface FieldChange {
  from: unknown;
  to: unknown;
}

export type Change<T> =
  | { kind: string; action: 'create'; name: string; spec: T }
  | {
      kind: string;
      action: 'update';
      name: string;
      spec: T;
      /** Only the fields that differ. Empty when the row is only taken over from the API. */
      fields: Record<string, FieldChange>;
      /** The row was made through the API; from now on the file manages it. */
      adopt: boolean;
    }
  | { kind: string; action: 'delete'; name: string };

/**
 * What applying the file changes for one kind (routes, plans), by name:
 * - in the file, not in the database → create;
 * - in both → update the fields that differ (and take the row over if the API made it);
 * - managed by the file, no longer in it → delete;
 * - made through the API and not in the file → left alone: the file owns only what it names.
 * Sorted by action (deletes last), then name, so the printed plan reads the same every time.
 */
export function diffItems<T extends object>(
  kind: string,
  current: ReadonlyArray<CurrentItem<T>>,
  desired: ReadonlyArray<{ name: string; spec: T }>,
): Change<T>[] {
  const byName = new Map(current.map((item) => [item.name, item]));
  const wanted = new Set(desired.map((item) => item.name));
  const changes: Change<T>[] = [];
  for (const item of desired) {
    const existing = byName.get(item.name);
    if (!existing) {
      changes.push({ kind, action: 'create', name: item.name, spec: item.spec });
      continue;
    }
    const fields = changedFields(existing.spec, item.spec);
    if (Object.keys(fields).length > 0 || !existing.managed) {
      changes.push({ kind, action: 'update', name: item.name, spec: item.spec, fields, adopt: !existing.managed });
    }
  }
  for (const item of current) {
    if (item.managed && !wanted.has(item.name)) changes.push({ kind, action: 'delete', name: item.name });
  }
  const order = { create: 0, update: 1, delete: 2 } as const;
  return changes.sort((a, b) => order[a.action] - order[b.action] || a.name.localeCompare(b.name));
}

/** The fields of `to` whose values differ from `from`'s (deep comparison; `undefined` counts as absent). */
export function changedFields<T extends object>(from: T, to: T): Record<string, FieldChange> {
  const fields: Record<string, FieldChange> = {};
  const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
  for (const key of [...keys].sort()) {
    const a = (from as Record<string, unknown>)[key];
    const b = (to as Record<string, unknown>)[key];
    if (!isDeepStrictEqual(a ?? null, b ?? null)) fields[key] = { from: a ?? null, to: b ?? null };
  }
  return fields;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The plan as people read it, one line per change, then a total — what `--dry-run` prints. */
export function formatChanges(changes: ReadonlyArray<Change<unknown>>): string {
  if (changes.length === 0) return 'No changes: the database already matches the file.';
  const lines = changes.map((change) => {
    if (change.action === 'create') return `+ create ${change.kind} ${change.name}`;
    if (change.action === 'delete') return `- delete ${change.kind} ${change.name}`;
    const parts = Object.entries(change.fields).map(([field, c]) => `${field}: ${show(c.from)} → ${show(c.to)}`);
    if (change.adopt) parts.unshift('taken over from the API');
    return `~ update ${change.kind} ${change.name} (${parts.join('; ')})`;
  });
  const count = (action: Change<unknown>['action']) => changes.filter((c) => c.action === action).length;
  lines.push(
    `${changes.length} change${changes.length === 1 ? '' : 's'}: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete.`,
  );
  return lines.join('\n');
}
