import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `host:port` of the proxy, to put into a URL in place of the target's. */
  host: string;
  port: number;
  /** The target URL with its host and port replaced by the proxy's. */
  url(targetUrl: string): string;
  /** Simulates an outage: every open connection is reset and new ones are reset on arrival. */
  cut(): void;
  /** Simulates a hung server: connections stay open but no byte is forwarded either way. */
  freeze(): void;
  /** Back to normal: new connections are forwarded again (frozen ones resume). */
  restore(): void;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  /** Registers a tap on client → target bytes (e.g. to count queries); returns an unsubscribe. */
  onClientData(fn: (chunk: Buffer) => void): () => void;
  close(): Promise<void>;
}

/**
 * A tiny controllable TCP proxy on 127.0.0.1:0 in front of a shared server (PostgreSQL, Redis).
 * Tests point the gateway at it and cut, freeze or restore the link to simulate an outage without
 * touching the real server, which other test files use at the same time.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const taps = new Set<(chunk: Buffer) => void>();
  let state: 'open' | 'cut' | 'frozen' = 'open';

  const server: Server = createServer((client) => {
    if (state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      for (const tap of taps) tap(chunk);
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    if (state === 'frozen') {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    host: '127.0.0.1',
    port,
    url(targetUrl) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      state = 'cut';
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    freeze() {
      state = 'frozen';
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      state = 'open';
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    get connections() {
      return pairs.size;
    },
    onClientData(fn) {
      taps.add(fn);
      return () => taps.delete(fn);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/** `{ host, port }` of a URL such as `redis://127.0.0.1:6379` or `postgresql://…@127.0.0.1:5432/db`. */
export function hostPortOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : defaultPort };
}
