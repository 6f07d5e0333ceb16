import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Accept a caller's id (so traces join up across services) only if it is short and plain.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the incoming `X-Request-Id` when safe, else a new UUID. Kept on `req`. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
  (req as IncomingMessage & { id: string }).id = id;
  return id;
}

/** `requestIdFor`, and the id set on the response as `X-Request-Id`. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdFor(req);
  res.setHeader('X-Request-Id', id);
  return id;
}

export function requestIdOf(req: IncomingMessage): string {
  return (req as IncomingMessage & { id?: string }).id ?? 'unknown';
}
