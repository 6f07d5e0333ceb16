import { eventually } from './eventually.js';
import type { TestGateway } from './gateway.js';
import { linkParams } from './mailbox.js';

/**
 * Signs a user in the way a person does: asks for a link (`POST /auth/email`), takes it from the
 * gateway's dev mailbox and exchanges it (`POST /auth/email/verify`). Returns the session token.
 */
export async function login(gw: TestGateway, email: string): Promise<{ token: string; userId: string; res: Response }> {
  const seen = (await gw.mailsTo(email)).length;
  const asked = await fetch(`${gw.managementUrl}/auth/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (asked.status !== 202) throw new Error(`POST /auth/email → ${asked.status}: ${await asked.text()}`);
  const mail = await eventually(async () => {
    const mails = await gw.mailsTo(email);
    if (mails.length <= seen) throw new Error(`no sign-in mail to ${email} yet`);
    return mails.at(-1)!;
  });
  const res = await fetch(`${gw.managementUrl}/auth/email/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(linkParams(mail.link!)),
  });
  if (res.status !== 200) throw new Error(`POST /auth/email/verify → ${res.status}: ${await res.clone().text()}`);
  const body = (await res.clone().json()) as { token: string; user: { id: string } };
  return { token: body.token, userId: body.user.id, res };
}

/** fetch against the management API as the given bearer token (JSON body when `body` is an object). */
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
    return fetch(gw.managementUrl + path, { ...init, headers, body });
  };
}
