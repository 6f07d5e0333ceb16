import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server sent, as Latin-1 (byte for byte). */
  text: string;
  /** Status codes of every response in `text`, in order. */
  statuses: number[];
  /** Whether the server closed the connection (rather than the wait running out). */
  closedByServer: boolean;
}

/**
 * Writes `bytes` to a fresh TCP connection and collects what comes back until the server closes
 * the connection or `waitMs` passes. For requests no HTTP client would send: conflicting framing
 * headers, bare CR/LF, raw non-UTF-8 bytes.
 */
export function rawExchange(baseUrl: string, bytes: string | Buffer, waitMs = 2_000): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ text, statuses, closedByServer });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

export interface RawUpload {
  /** Everything the server sent, as Latin-1. */
  text: string;
  /** Body bytes the server's socket accepted before it closed the connection (or `maxBytes`). */
  accepted: number;
}

/**
 * Sends `head`, then body bytes as fast as the server takes them, until the server closes the
 * connection or `maxBytes` were sent: how much of a body the server reads before giving up on it.
 */
export function rawUpload(baseUrl: string, head: string, maxBytes: number): Promise<RawUpload> {
  const { hostname, port } = new URL(baseUrl);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let headBytes = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ text: Buffer.concat(received).toString('latin1'), accepted: socket.bytesWritten - headBytes });
    };
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(Buffer.from(head, 'latin1'));
    headBytes = Buffer.byteLength(head, 'latin1');
    const pump = () => {
      while (!socket.destroyed && socket.bytesWritten - headBytes < maxBytes) {
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) setTimeout(finish, 500);
    };
    pump();
  });
}

/** A raw connection to talk to step by step: write, then wait for what the server says. */
export function rawConversation(baseUrl: string) {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const received: Buffer[] = [];
  let closed = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  socket.on('data', (c: Buffer) => {
    received.push(c);
    notify();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    notify();
  });
  const text = () => Buffer.concat(received).toString('latin1');
  return {
    socket,
    text,
    isClosed: () => closed,
    write: (bytes: string) => socket.write(Buffer.from(bytes, 'latin1')),
    /** Resolves once what the server sent matches `pattern` or the connection closed; `waitMs` at most. */
    until(pattern: RegExp, waitMs = 2_000): Promise<string> {
      return new Promise((resolve) => {
        const check = () => {
          if (!pattern.test(text()) && !closed) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(text());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(text());
        }, waitMs);
        waiters.add(check);
        check();
      });
    },
  };
}
