import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type Services } from './app.js';

export interface RunningGateway {
  server: Server;
  port: number;
  services: Services;
  /** Graceful stop: refuse new work, drain in-flight requests, flush usage logs, close everything. */
  stop(): Promise<void>;
}

/** Starts the HTTP server on the configured host and port (0 = any free port). */
export async function startServer(
  services: Services,
  extraCleanup: () => Promise<void> = async () => {},
): Promise<RunningGateway> {
  const { config, logger } = services;
  const state = { shuttingDown: false };
  const { listener } = createApp(services, state);
  const server = createServer(
    {
      // Slow clients (slowloris) cannot hold sockets open: headers must arrive within
      // HEADERS_TIMEOUT_MS and a whole request within REQUEST_TIMEOUT_MS.
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      // Node enforces both timeouts from a periodic sweep, every 30 s by default: a slowloris
      // client held its socket ~30 s whatever HEADERS_TIMEOUT_MS said (test/reliability/slow-clients).
      connectionsCheckingInterval: Math.min(1_000, Math.floor(config.HEADERS_TIMEOUT_MS / 2)),
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      // While draining, answer what arrives on open connections but with `Connection: close`:
      // a busy keep-alive connection otherwise never goes idle, and the drain lasted until
      // SHUTDOWN_TIMEOUT_MS and then cut whatever was in flight (test/reliability/shutdown).
      if (state.shuttingDown) res.shouldKeepAlive = false;
      listener(req, res);
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // As Node's default handler does: once a response has started on this socket (a request
    // timing out mid-upload while the upstream already streams its answer), an error status line
    // would land inside that body. Only cutting the connection is safe then.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      state.shuttingDown = true;
      logger.info('shutting down: draining in-flight requests');
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() closes the connections idle right now; those whose response was already under way
      // become idle later, so keep closing idle ones until everything is drained.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), config.SHUTDOWN_TIMEOUT_MS).unref()),
      ]);
      clearInterval(sweep);
      if (timedOut) {
        logger.warn('shutdown timeout: closing remaining connections');
        server.closeAllConnections();
      }
      await services.usage.close(config.SHUTDOWN_TIMEOUT_MS);
      await services.keyEvents.close();
      await services.limiter.close();
      await services.upstream.pool.close().catch(() => {});
      services.redis?.disconnect();
      await services.db.close();
      await extraCleanup();
      logger.info({ dropped: services.usage.dropped }, 'stopped');
    })();
    return stopping;
  };
  return { server, port, services, stop };
}
