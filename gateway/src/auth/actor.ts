import type { Role, TokenScope } from '@gateway/shared';

/**
 * Who is calling the management API:
 * - `bootstrap`: the ADMIN_API_TOKEN from the environment (everything);
 * - `token`: a management API token created by an admin (read or write, never token or role management);
 * - `session`: a signed-in person, admin or user (a user sees only their own data).
 */
export type Actor =
  | { kind: 'bootstrap' }
  | { kind: 'token'; tokenId: string; name: string; scope: TokenScope }
  | { kind: 'session'; userId: string; sessionId: string; email: string; role: Role; viaCookie: boolean };

export type SessionActor = Extract<Actor, { kind: 'session' }>;

export const isAdmin = (actor: Actor): boolean => actor.kind !== 'session' || actor.role === 'admin';

/** The user whose data the actor is confined to; undefined for admins (who see everything). */
export function confinedTo(actor: Actor): string | undefined {
  return actor.kind === 'session' && actor.role !== 'admin' ? actor.userId : undefined;
}

/** How the actor appears in the audit log. */
export function auditActor(actor: Actor): { kind: 'user' | 'token' | 'bootstrap'; id: string | null; label: string } {
  switch (actor.kind) {
    case 'bootstrap':
      return { kind: 'bootstrap', id: null, label: 'bootstrap admin token' };
    case 'token':
      return { kind: 'token', id: actor.tokenId, label: actor.name };
    case 'session':
      return { kind: 'user', id: actor.userId, label: actor.email };
  }
}
