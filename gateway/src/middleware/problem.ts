import type { ServerResponse } from 'node:http';
import { ERROR_STATUS, ERROR_TITLE, type ErrorCode, type FieldError, type Problem, problemType } from '@gateway/shared';
import { hasBody } from '../http/request-body.js';

/** Writes an RFC 9457 problem document. Used by the error handler and by the proxy's hot path. */
export function sendProblem(
  res: ServerResponse,
  requestId: string,
  code: ErrorCode,
  detail: string,
  extras: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): void {
  const status = ERROR_STATUS[code];
  const body: Problem = { type: problemType(code), title: ERROR_TITLE[code], status, detail, code, requestId };
  if (extras.errors) body.errors = extras.errors;
  const json = JSON.stringify(body);
  if (extras.headers) for (const [name, value] of Object.entries(extras.headers)) res.setHeader(name, value);
  res.statusCode = status;
  // An answer given before the request body was read (a missing key, a refused framing): close the
  // connection rather than read and discard the body — Node otherwise drains it, however large.
  if (!res.req.complete && hasBody(res.req.headers)) res.shouldKeepAlive = false;
  // The proxy writes its fields in one writeHead on success, so X-Request-Id may not be set yet.
  if (!res.hasHeader('X-Request-Id')) res.setHeader('X-Request-Id', requestId);
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.setHeader('Cache-Control', 'no-store');
  // The proxy's own answers bypass helmet (it guards the management API only): at least keep
  // browsers from sniffing an error document into something executable.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(json);
}
