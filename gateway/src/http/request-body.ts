import type { IncomingHttpHeaders } from 'node:http';

/** Whether the request announces a body (chunked, or a non-zero Content-Length). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

