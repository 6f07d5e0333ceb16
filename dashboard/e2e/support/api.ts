import { expect } from '@playwright/test';
import type { Stack } from './servers';

/** A user as the management API returns it. */
export interface SeededUser {
  id: string;
  email: string;
  role: 'admin' | 'user';
}

export interface SeededKey {
  id: string;
  userId: string;
  name: string;
  start: string;
  active: boolean;
  limitPerMinute: number;
  limitPerDay: number;
}

/**
 * Seeding and checking through the management API with the bootstrap ADMIN_API_TOKEN, the way an
 * operator's script would: no browser, no cookie, so no Origin check applies.
 */
export function adminApi(stack: Pick<Stack, 'managementUrl' | 'adminToken'>) {
  async function call<T>(method: string, path: string, body?: unknown, expected?: number): Promise<T> {
    const response = await fetch(`${stack.managementUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (expected !== undefined) expect(response.status, `${method} ${path}: ${text}`).toBe(expected);
    else expect(response.ok, `${method} ${path} answered ${response.status}: ${text}`).toBe(true);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    call,
    /** Creates the user, or gets the existing one (`POST /users` is create-or-get). */
    async createUser(email: string, role?: 'admin' | 'user'): Promise<SeededUser> {
      return (await call<{ user: SeededUser }>('POST', '/users', role ? { email, role } : { email })).user;
    },
    createKey(userId: string, body: Record<string, unknown> = {}): Promise<SeededKey & { key: string }> {
      return call('POST', '/keys', { userId, ...body }, 201);
    },
    updateKey(id: string, body: Record<string, unknown>): Promise<SeededKey> {
      return call('PATCH', `/keys/${id}`, body);
    },
    /** Every key of one user (first page is enough for a test's handful). */
    async keysOf(userId: string): Promise<SeededKey[]> {
      return (await call<{ data: SeededKey[] }>('GET', `/keys?userId=${userId}&limit=200`)).data;
    },
    updateSettings(body: Record<string, number>): Promise<Record<string, number>> {
      return call('PATCH', '/settings', body);
    },
  };
}

/** One proxied request through the gateway's public listener, as a customer's client would make it. */
export async function proxy(proxyUrl: string, key: string, pathAndQuery = '/json', init: RequestInit = {}) {
  const response = await fetch(`${proxyUrl}/proxy${pathAndQuery}`, {
    ...init,
    headers: { 'x-api-key': key, ...(init.headers as Record<string, string> | undefined) },
  });
  await response.arrayBuffer();
  return response.status;
}
