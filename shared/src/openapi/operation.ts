import type { z } from 'zod';

/**
 * Who may call an operation. `public`: no credentials. `signedIn`: any session, management API token
 * or the bootstrap token (users see only their own data). `admin`: admin sessions, API tokens and the
 * bootstrap token; users get 403. `adminInPerson`: an admin session or the bootstrap token, never an
 * API token (a leaked token cannot mint credentials or promote anyone).
 */
export type Access = 'public' | 'signedIn' | 'admin' | 'adminInPerson';

/** One documented answer: JSON unless `contentType` says otherwise; no schema means no body. */
export interface OperationResponse {
  description: string;
  schema?: z.ZodType;
  /** One media type, or several the answer may come in (the same schema for each). */
  contentType?: string | string[];
  /** Response header name → description (e.g. `Location`, `Set-Cookie`). */
  headers?: Record<string, string>;
}

/**
 * One route of the management API: a single entry of `OPERATIONS` is all it takes to document a new
 * route. Path parameters (`{id}`) are UUIDs; a malformed one is answered 404 like an unknown one.
 */
export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path template: `/keys/{id}` for Express's `/keys/:id`. */
  path: string;
  /** Stable and unique: SDK generators name functions after it. */
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** The query string; its INPUT shape is documented (schemas here may `.transform`). */
  query?: z.ZodObject | z.ZodPipe;
  /** The route ignores unknown query parameters (no 400 for them). */
  lenientQuery?: boolean;
  /** A JSON request body (`application/json`). */
  body?: z.ZodType;
  /** Whether the body may be left out (defaults to required when `body` is given). */
  bodyOptional?: boolean;
  /** The success answers (2xx, or 302 for browser redirects). */
  responses: Record<number, OperationResponse>;
  /**
   * Problem statuses beyond those every operation of its kind gets (see `problemStatusesOf`): e.g.
   * 409 for a conflict, 429 for a throttle, 403 for an allowance.
   */
  errors?: number[];
  /** Answers with no problem+json at all (browser redirects). */
  noProblems?: boolean;
}

/**
 * The problem statuses an operation can answer, derived from what every route of its kind shares:
 * credentials (401, 403: wrong role, token scope, cookie without the dashboard's Origin), path ids
 * (404), bodies (400 invalid, 413 too large, 415 not JSON), query strings (400), the database (503)
 * and the opaque 500; plus its own `errors`.
 */
export function problemStatusesOf(op: Operation): number[] {
  if (op.noProblems) return [];
  const statuses = new Set<number>(op.errors ?? []);
  if (op.access !== 'public') {
    statuses.add(401);
    statuses.add(403);
    statuses.add(503);
  }
  if (op.path.includes('{')) statuses.add(404);
  if (op.body) {
    statuses.add(400);
    statuses.add(413);
    statuses.add(415);
  }
  if (op.query && !op.lenientQuery) statuses.add(400);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

/** `/keys/{id}` → `/keys/:id`, as Express writes it. */
export function expressPath(path: string): string {
  return path.replaceAll(/\{([^}]+)\}/g, ':$1');
}
