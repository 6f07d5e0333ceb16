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
