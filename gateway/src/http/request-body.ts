import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

const CONTINUE = /^\s*100-continue\s*$/i;

/** Whether the request announces a body (chunked, or a non-zero Content-Length). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Whether the client waits for `100 Continue` before it sends the body (RFC 9110 §10.1.1). */
export function expectsContinue(req: IncomingMessage): boolean {
  const expect = req.headers.expect;
  return expect !== undefined && CONTINUE.test(expect);
}
