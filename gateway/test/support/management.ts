import type { TestGateway } from './gateway.js';

/** Signs a user in by email and returns its session token and id. */
export async function login(gw: TestGateway, email: string): Promise<{ token: string; userId: string; res: Response }> {
  const res = await fetch(`${gw.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const body = (await res.clone().json()) as { token: string; user: { id: string } };
  return { token: body.token, userId: body.user.id, res };
}

/** fetch against the gateway as the given bearer token (JSON body when `body` is an object). */
export function as(gw: TestGateway, token: string | undefined) {
  return (
    path: string,
    init: Omit<RequestInit, 'body'> & { body?: unknown; rawBody?: string; contentType?: string } = {},
  ) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (init.rawBody !== undefined) body = init.rawBody;
    else if (init.body !== undefined) body = JSON.stringify(init.body);
    if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    return fetch(gw.url + path, { ...init, headers, body });
  };
}

export { expectProblem } from './problem.js';
