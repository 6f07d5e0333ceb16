import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ERROR_STATUS, ERROR_TITLE, type ErrorCode, type Problem, problemType } from '@gateway/shared';

// Guards both listeners apply before any handler runs: connection caps and the body idle timeout
// (issue 12, items 1 and 4).

interface BodyWatch {
  bytes: number;
  at: number;
}

/**
 * Answers 408 (or cuts the connection if the response already started) when the request body
 * sends no byte for `timeoutMs`. Progress is read from the socket's byte count, so the body's
 * consumer is not disturbed; while the gateway itself is not reading (its buffer holds unread
 * bytes: a slow upstream, a lookup), the client is not blamed.
 */
export function watchBodyIdle(req: IncomingMessage, res: ServerResponse, timeoutMs: number): void {
  const socket = req.socket;
  const watch: BodyWatch = { bytes: socket.bytesRead, at: performance.now() };
  const timer = setTimeout(
    function checkBody() {
      if (req.complete) return;
      const now = performance.now();
      if (socket.bytesRead !== watch.bytes || req.readableLength > 0) {
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
