import { AUDIT_ACTIONS, type AuditAction } from '@gateway/shared';
import type { AuditParams } from '@/lib/gateway-client';

/** The audit filters as the form holds them: text as typed, times as `datetime-local` values. */
export interface AuditFilterValues {
  action: AuditAction | '';
  actor: string;
  target: string;
  /** An email (looked up) or a user id. */
  user: string;
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilterValues = { action: '', actor: '', target: '', user: '', from: '', to: '' };

/** The filters the list was loaded with, as sent to `GET /audit`. */
export type AppliedAuditFilters = Omit<AuditParams, 'limit' | 'cursor'>;

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO → the value a `datetime-local` input shows (local time, minutes). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (local time) → ISO with offset, as the API wants. */
export function fromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

const isAction = (value: string | null): value is AuditAction =>
  value !== null && (AUDIT_ACTIONS as readonly string[]).includes(value);

/** Filters from the page's URL (shareable links, e.g. "this user's entries" from a user's page). */
export function filtersFromSearch(search: Record<string, string | string[] | undefined>): AppliedAuditFilters {
  const one = (name: string) => {
    const value = search[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const action = one('action') ?? null;
  return {
    action: isAction(action) ? action : undefined,
    actorId: one('actorId'),
    targetId: one('targetId'),
    userId: one('userId'),
    from: one('from'),
    to: one('to'),
  };
}

export function valuesOf(applied: AppliedAuditFilters): AuditFilterValues {
  return {
    action: applied.action ?? '',
    actor: applied.actorId ?? '',
    target: applied.targetId ?? '',
    user: applied.userId ?? '',
    from: toLocalInput(applied.from),
    to: toLocalInput(applied.to),
  };
}

export function searchOf(applied: AppliedAuditFilters): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(applied)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
