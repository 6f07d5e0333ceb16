import type { UsageGroupBy } from '@gateway/shared';

/** The filters every analytics endpoint accepts (already validated by the contract's schemas). */
export interface UsageFilters {
  keyId?: string | undefined;
  userId?: string | undefined;
  route?: string | undefined;
  status?: string | undefined;
  method?: string | undefined;
  pathPrefix?: string | undefined;
}

/**
 * Who may see what: `ownerId` is the user an actor is confined to (a user: their own keys), or
 * undefined for admins. It is ANDed with every filter, so a filter naming someone else's key or user
 * simply finds nothing — the same answer as for an id that does not exist.
 */
export interface UsageScope {
  ownerId: string | undefined;
}

/** Positional parameters of one statement; `add` returns the placeholder of the value it added. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The WHERE conditions (without WHERE) for rows of usage_logs or usage_rollups_dims, both of which
 * have api_key_id, user_id, route, method and status_code; `path` exists only in usage_logs.
 */
export function filterConditions(scope: UsageScope, f: UsageFilters, p: SqlParams, alias = ''): string[] {
  const c = (column: string) => `${alias}${column}`;
  const out: string[] = [];
  if (scope.ownerId !== undefined) out.push(`${c('user_id')} = ${p.add(scope.ownerId)}::uuid`);
  if (f.keyId !== undefined) out.push(`${c('api_key_id')} = ${p.add(f.keyId)}::uuid`);
  if (f.userId !== undefined) out.push(`${c('user_id')} = ${p.add(f.userId)}::uuid`);
  if (f.route !== undefined) out.push(`${c('route')} = ${p.add(f.route)}`);
  if (f.method !== undefined) out.push(`${c('method')} = ${p.add(f.method)}`);
  if (f.status !== undefined) {
    if (f.status.endsWith('xx')) {
      const low = Number(f.status[0]) * 100;
      // 5xx keeps the rollups' meaning: every status from 500 on.
      out.push(
        low === 500
          ? `${c('status_code')} >= 500`
          : `${c('status_code')} BETWEEN ${p.add(low)}::int AND ${p.add(low + 99)}::int`,
      );
    } else out.push(`${c('status_code')} = ${p.add(Number(f.status))}::int`);
  }
  if (f.pathPrefix !== undefined) out.push(`starts_with(${c('path')}, ${p.add(f.pathPrefix)})`);
  return out;
}

/** The column (as text) each grouping reads. */
export const GROUP_COLUMN: Record<UsageGroupBy, string> = {
  key: 'api_key_id::text',
  user: 'user_id::text',
  route: 'route',
  path: 'path',
  status: 'status_code::text',
  method: 'method',
};
