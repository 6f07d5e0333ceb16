import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createApp, type Services } from './app.js';
import {
  answerAndClose,
  capConnections,
  PARSER_MAX_HEADERS,
  refuseFraming,
  watchBodyIdle,
} from './http/client-guards.js';
import { hasBody } from './http/request-body.js';

export interface RunningGateway {
  /** The proxy listener (PORT): /proxy/*, /health, /ready. */
  server: Server;
  port: number;
  /** The management listener (MANAGEMENT_PORT): management API, sign-in, /metrics. */
  managementServer: Server;
  managementPort: number;
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
  const { proxyListener, managementListener } = createApp(services, state);
  const serve = (listener: (req: IncomingMessage, res: ServerResponse) => void) => {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      // While draining, answer what arrives on open connections but with `Connection: close`:
      // a busy keep-alive connection otherwise never goes idle, and the drain lasted until
      // SHUTDOWN_TIMEOUT_MS and then cut whatever was in flight (test/reliability/shutdown).
      if (state.shuttingDown) res.shouldKeepAlive = false;
      if (refuseFraming(req, res)) return;
      // A body that stalls is answered 408 after BODY_IDLE_TIMEOUT_MS, not REQUEST_TIMEOUT_MS.
      if (hasBody(req.headers)) watchBodyIdle(req, res, config.BODY_IDLE_TIMEOUT_MS);
      listener(req, res);
    };
    const srv = createServer(
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
      onRequest,
    );
    // Node keeps the first 2,000 header fields and drops the rest silently; refuseFraming answers 431.
    srv.maxHeadersCount = PARSER_MAX_HEADERS;
    // Without this listener Node answers `100 Continue` itself, before the key or auth is checked;
    // the handlers call continueBody once the request may send its body.
    srv.on('checkContinue', onRequest);
    capConnections(srv, config.MAX_CONNECTIONS_PER_ADDRESS, config.MAX_CONNECTIONS);
    return srv;
  };
  const server = serve(proxyListener);
  const managementServer = serve(managementListener);
  const onClientError = (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'HPE_HEADER_OVERFLOW')
      return answerAndClose(socket, 'HEADERS_TOO_LARGE', 'The request head is too large.');
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      return answerAndClose(socket, 'REQUEST_TIMEOUT', 'The request did not arrive in time.');
    }
    answerAndClose(socket, 'BAD_REQUEST', 'The request could not be parsed.');
  };
  server.on('clientError', onClientError);
  managementServer.on('clientError', onClientError);
  const listen = (srv: Server, port: number, host: string) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => resolve((srv.address() as AddressInfo).port));
    });
  const port = await listen(server, config.PORT, config.HOST);
  let managementPort: number;
  try {
    managementPort = await listen(managementServer, config.MANAGEMENT_PORT, config.MANAGEMENT_HOST ?? config.HOST);
  } catch (error) {
    server.close();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      state.shuttingDown = true;
      logger.info('shutting down: draining in-flight requests');
      const servers = [server, managementServer];
      const drained = Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
      // close() closes the connections idle right now; those whose response was already under way
      // become idle later, so keep closing idle ones until everything is drained.
      const closeIdle = () => {
        for (const srv of servers) srv.closeIdleConnections();
      };
      closeIdle();
      const sweep = setInterval(closeIdle, 100);
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), config.SHUTDOWN_TIMEOUT_MS).unref()),
      ]);
      clearInterval(sweep);
      if (timedOut) {
        logger.warn('shutdown timeout: closing remaining connections');
        for (const srv of servers) srv.closeAllConnections();
      }
      await services.usage.close(config.SHUTDOWN_TIMEOUT_MS);
      await services.configEvents.close();
      await services.stopBackgroundJobs();
      services.mailer.close();
      await services.limiter.close();
      await services.routes.close();
      await services.upstream.pool.close().catch(() => {});
      services.redis?.disconnect();
      await services.db.close();
      await extraCleanup();
      // Spans of the last requests are exported before the process goes.
      await services.tracing
        ?.shutdown()
        .catch((err: Error) => logger.warn({ err: err.message }, 'tracing shutdown failed'));
      logger.info({ dropped: services.usage.dropped }, 'stopped');
    })();
    return stopping;
  };
  return { server, port, managementServer, managementPort, services, stop };
}
