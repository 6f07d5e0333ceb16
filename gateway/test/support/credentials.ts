import type { TokenScope } from '@gateway/shared';
import { signSessionToken } from '../../src/auth/session-token.js';
import { createSession } from '../../src/repositories/sessions.js';
import type { TestGateway } from './gateway.js';

/**
 * A new session for a user who already signed in for real (`login`), as sign-in would open it: a
 * session row and its signed token. For tests that need many sessions of one person (signing out
 * ends one) without tripping the sign-in throttles.
 */
export async function openSession(gw: TestGateway, userId: string): Promise<string> {
  const { config, db } = gw.gateway.services;
  const session = await createSession(db.prisma, userId, 'email', config.SESSION_TTL_HOURS);
  return signSessionToken(config.SESSION_SECRET, session.id, session.expiresAt);
}

export interface CreatedToken {
  id: string;
  token: string;
}

/** A management API token created by the bootstrap admin through `POST /tokens`. */
export async function createApiToken(
  gw: TestGateway,
  scope: TokenScope,
  opts: { name?: string; expiresAt?: string } = {},
): Promise<CreatedToken> {
  const res = await gw.admin('/tokens', {
    method: 'POST',
    body: JSON.stringify({ name: opts.name ?? `${scope} token`, scope, expiresAt: opts.expiresAt }),
  });
  if (res.status !== 201) throw new Error(`POST /tokens → ${res.status}: ${await res.text()}`);
  return (await res.json()) as CreatedToken;
}

/** Revokes a token through `DELETE /tokens/:id`. */
export async function revokeApiToken(gw: TestGateway, id: string): Promise<void> {
  const res = await gw.admin(`/tokens/${id}`, { method: 'DELETE' });
  if (res.status !== 204) throw new Error(`DELETE /tokens/${id} → ${res.status}: ${await res.text()}`);
}

/** Moves a token's expiry into the past in the database (the API refuses to create expired tokens). */
export async function expireApiToken(gw: TestGateway, id: string): Promise<void> {
  await gw.gateway.services.db.prisma.apiToken.update({
    where: { id },
    data: { expiresAt: new Date(Date.now() - 1_000) },
  });
}

/** Creates a user through the bootstrap admin (`POST /users`); returns its id. */
export async function createUser(gw: TestGateway, email: string, role?: 'admin' | 'user'): Promise<string> {
  const res = await gw.admin('/users', { method: 'POST', body: JSON.stringify({ email, role }) });
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /users → ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { user: { id: string } }).user.id;
}

/** Creates a key for a user through the bootstrap admin (`POST /keys`); returns its id. */
export async function createKeyFor(gw: TestGateway, userId: string, name = 'fixture key'): Promise<string> {
  const res = await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId, name }) });
  if (res.status !== 201) throw new Error(`POST /keys → ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
