import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The built-in stand-in for INTERNAL_API_BASE_URL, so a first run has something to proxy to.
 * Listens on 127.0.0.1 only. Routes: GET /json, ANY /echo, GET /status/:code, GET /delay/:ms,
 * GET /stream (server-sent events).
 */
export async function startDemoUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/' || url.pathname === '/json') {
      return json(200, {
        message: 'Hello from the demo upstream. Set INTERNAL_API_BASE_URL to proxy to your own API.',
        items: [
          { id: 1, name: 'alpha' },
          { id: 2, name: 'beta' },
        ],
      });
    }
    if (url.pathname === '/echo') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 1_000_000) chunks.push(c);
      });
      req.on('end', () =>
        json(200, {
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          bodyBytes: size,
          body: Buffer.concat(chunks).toString('utf8').slice(0, 10_000),
        }),
      );
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) return json(Number(status[1]), { status: Number(status[1]) });
    const delay = /^\/delay\/(\d{1,5})$/.exec(url.pathname);
    if (delay) {
      setTimeout(() => json(200, { delayedMs: Number(delay[1]) }), Math.min(Number(delay[1]), 30_000));
      return;
    }
    if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let n = 0;
      const timer = setInterval(() => {
        res.write(`data: ${JSON.stringify({ n, at: new Date().toISOString() })}\n\n`);
        if (++n === 5) {
          clearInterval(timer);
          res.end();
        }
      }, 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    json(404, { error: 'not found', routes: ['/json', '/echo', '/status/:code', '/delay/:ms', '/stream'] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
