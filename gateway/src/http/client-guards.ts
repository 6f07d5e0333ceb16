import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ERROR_STATUS, ERROR_TITLE, type ErrorCode, type Problem, problemType } from '@gateway/shared';
import { sendProblem } from '../middleware/problem.js';
import { requestIdFor } from '../middleware/request-id.js';
import { expectsContinue } from './request-body.js';

// Guards both listeners apply before any handler runs: connection caps, request framing the
// gateway refuses, and the body idle timeout (issue 12, items 1, 4 and 10).

/**
 * At most this many header fields per request. Node keeps only the first 2,000 and silently drops
 * the rest (a POST was forwarded with its framing fields gone); an upstream on Node would cut them
 * too, after the fields the gateway adds. Apache's default is 100; browsers send about 20.
 */
export const MAX_REQUEST_HEADERS = 1_000;
/** What the parser keeps: one past the cap, so that a request over it can be told apart. */
export const PARSER_MAX_HEADERS = MAX_REQUEST_HEADERS + 1;

const PLAIN_CHUNKED = /^\s*chunked\s*$/i;

/**
 * Refuses, with a problem document, what the gateway will not pass on: more header fields than
 * MAX_REQUEST_HEADERS (431), and a transfer coding other than plain `chunked` (501, RFC 9112 §6.1:
 * Node accepts `gzip, chunked` and would drop the gzip coding). True when it answered.
 */
export function refuseFraming(req: IncomingMessage, res: ServerResponse): boolean {
  // Either way the body's framing is not what the gateway would pass on: never read it.
  if (req.rawHeaders.length > MAX_REQUEST_HEADERS * 2) {
    res.shouldKeepAlive = false;
    sendProblem(res, requestIdFor(req), 'HEADERS_TOO_LARGE', `Send at most ${MAX_REQUEST_HEADERS} header fields.`);
    return true;
  }
  const coding = req.headers['transfer-encoding'];
  if (coding !== undefined && !PLAIN_CHUNKED.test(coding)) {
    res.shouldKeepAlive = false;
    sendProblem(res, requestIdFor(req), 'NOT_IMPLEMENTED', 'The only transfer coding accepted is chunked.');
    return true;
  }
  return false;
}

interface BodyWatch {
  /** False while an `Expect: 100-continue` client waits for the gateway's go-ahead. */
  started: boolean;
  bytes: number;
  at: number;
}
const watches = new WeakMap<IncomingMessage, BodyWatch>();

/**
 * Answers 408 (or cuts the connection if the response already started) when the request body
 * sends no byte for `timeoutMs`. Progress is read from the socket's byte count, so the body's
 * consumer is not disturbed; while the gateway itself is not reading (its buffer holds unread
 * bytes: a slow upstream, a lookup), the client is not blamed.
 */
export function watchBodyIdle(req: IncomingMessage, res: ServerResponse, timeoutMs: number): void {
  const socket = req.socket;
  const watch: BodyWatch = { started: !expectsContinue(req), bytes: socket.bytesRead, at: performance.now() };
  watches.set(req, watch);
  const timer = setTimeout(
    function checkBody() {
      if (req.complete) return;
      const now = performance.now();
      if (!watch.started || socket.bytesRead !== watch.bytes || req.readableLength > 0) {
        watch.bytes = socket.bytesRead;
        watch.at = now;
      } else if (now - watch.at >= timeoutMs) {
        answerAndClose(socket, 'REQUEST_TIMEOUT', `No byte of the request body arrived for ${timeoutMs} ms.`, req);
        return;
      }
      timer.refresh();
    },
    Math.max(100, timeoutMs / 4),
  );
  timer.unref();
  res.once('close', () => clearTimeout(timer));
}

/** Sends `100 Continue` to a client that waits for it; call once the request has passed every check. */
export function continueBody(req: IncomingMessage, res: ServerResponse): void {
  const watch = watches.get(req);
  if (!expectsContinue(req) || res.headersSent || watch?.started) return;
  res.writeContinue();
  if (watch) {
    watch.started = true;
    watch.at = performance.now();
    watch.bytes = req.socket.bytesRead;
  }
}

/**
 * Writes a final problem answer straight to the socket and closes it: for requests Node gave up on
 * (bad framing, header or request timeouts) and for a stalled body. Once a response has started on
 * this socket (a proxied answer streaming while the upload stalls), a status line would land inside
 * that body, so the connection is only cut. Cutting it also cancels a proxied upstream request.
 */
export function answerAndClose(socket: Duplex, code: ErrorCode, detail: string, req?: IncomingMessage): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = ERROR_STATUS[code];
  const requestId = (req as { id?: string } | undefined)?.id ?? randomUUID();
  const problem: Problem = { type: problemType(code), title: ERROR_TITLE[code], status, detail, code, requestId };
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${status} ${ERROR_TITLE[code]}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Request-Id: ${requestId}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * Caps open connections per peer address (the socket's, never X-Forwarded-For) and in total, so
 * that one client cannot take every file descriptor. Excess connections are closed at once.
 */
export function capConnections(server: Server, perAddress: number, total: number): void {
  if (total > 0) server.maxConnections = total;
  if (perAddress === 0) return;
  const open = new Map<string, number>();
  server.on('connection', function capPerAddress(socket: Socket) {
    const address = socket.remoteAddress;
    if (address === undefined) return; // already gone
    const held = open.get(address) ?? 0;
    if (held >= perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, held + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
