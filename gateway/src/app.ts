import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { createRequireActor } from './auth/management-auth.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { createErrorHandler, notFoundHandler } from './middleware/error-handler.js';
import { jsonBody } from './middleware/json-body.js';
import { sendProblem } from './middleware/problem.js';
import { assignRequestId, requestIdOf } from './middleware/request-id.js';
import type { AuthFailureThrottle } from './proxy/auth-throttle.js';
import { createProxyHandler, isProxyUrl } from './proxy/handler.js';
import type { KeyEvents } from './proxy/key-events.js';
import type { KeyStore } from './proxy/key-store.js';
import type { Upstream } from './proxy/upstream.js';
import type { RateLimiter } from './ratelimit/index.js';
import { keysRouter } from './routes/keys.js';
import { sessionRouter } from './routes/session.js';
import { systemRouter } from './routes/system.js';
import { usageRouter } from './routes/usage.js';
import { usersRouter } from './routes/users.js';
import type { UsageRecorder } from './usage/recorder.js';

/** Everything the gateway talks to, built once at start-up (src/services.ts) or by a test. */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Database;
  redis: Redis | undefined;
  limiter: RateLimiter;
  keys: KeyStore;
  keyEvents: KeyEvents;
  usage: UsageRecorder;
  upstream: Upstream;
  authThrottle: AuthFailureThrottle;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Express's `trust proxy` from TRUST_PROXY: true/false, a hop count, or addresses/subnets. */
export function trustProxySetting(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * The gateway's request listener: `/proxy` requests go straight to the proxy handler (none of the
 * management middleware runs on the hot path); everything else goes through Express.
 */
export function createApp(services: Services, state: { shuttingDown: boolean } = { shuttingDown: false }) {
  const { config, logger, metrics, db } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(config.TRUST_PROXY));
  app.set('etag', false);
  // Express computes req.ip / req.protocol with the trust-proxy rules; the proxy reuses them.
  const trust = app.get('trust proxy fn') as (addr: string, i: number) => boolean;
  const clientIp = (req: IncomingMessage) => {
    const socketIp = req.socket.remoteAddress ?? 'unknown';
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff !== 'string' || !trust(socketIp, 0)) return socketIp;
    const hops = xff.split(',').map((s) => s.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!trust(hops[i]!, hops.length - i)) return hops[i]!;
    }
    return hops[0] ?? socketIp;
  };
  const isSecure = (req: IncomingMessage) => {
    if ((req.socket as { encrypted?: boolean }).encrypted) return true;
    const proto = req.headers['x-forwarded-proto'];
    return (
      typeof proto === 'string' && trust(req.socket.remoteAddress ?? '', 0) && proto.split(',')[0]!.trim() === 'https'
    );
  };
  const publicHost = (req: IncomingMessage) => {
    const forwarded = req.headers['x-forwarded-host'];
    if (typeof forwarded === 'string' && trust(req.socket.remoteAddress ?? '', 0)) {
      const first = forwarded.split(',')[0]!.trim();
      if (first) return first;
    }
    return req.headers.host;
  };
  const proxy = createProxyHandler({ ...services, clientIp, isSecure, publicHost });

  const routeDeps = {
    config,
    prisma: db.prisma,
    sql: db.sql,
    logger,
    keyChanges: services.keyEvents,
    requireActor: createRequireActor({ config, prisma: db.prisma }),
  };

  const managementDuration = metrics.requestDuration.labels('management');
  const systemDuration = metrics.requestDuration.labels('system');
  app.use((req, res, next) => {
    assignRequestId(req, res);
    const started = performance.now();
    res.once('finish', () => {
      const route =
        req.path === '/health' || req.path === '/ready' || req.path === '/metrics' ? 'system' : 'management';
      metrics.httpRequests.labels(route, String(res.statusCode)).inc();
      (route === 'system' ? systemDuration : managementDuration).observe((performance.now() - started) / 1000);
      logger.debug(
        { requestId: requestIdOf(req), method: req.method, path: req.path, status: res.statusCode },
        'request',
      );
    });
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'same-site' },
      strictTransportSecurity: config.SECURE_COOKIES,
    }),
  );
  app.use(systemRouter({ db, redis: services.redis, metrics, isShuttingDown: () => state.shuttingDown }));
  app.use(
    cors({
      origin: config.DASHBOARD_ORIGIN,
      credentials: true,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id'],
      maxAge: 600,
    }),
  );
  app.use(jsonBody(config.MANAGEMENT_BODY_LIMIT));
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(usersRouter(routeDeps));
  app.use(sessionRouter(routeDeps));
  app.use(keysRouter(routeDeps));
  app.use(usageRouter(routeDeps));
  app.use(notFoundHandler);
  app.use(createErrorHandler(logger));

  const listener: RequestListener = (req, res) => {
    if (!isProxyUrl(req.url ?? '')) {
      app(req, res);
      return;
    }
    proxy(req, res).catch((err: unknown) => {
      logger.error({ err, requestId: requestIdOf(req) }, 'proxy handler failed');
      if (!res.headersSent) sendProblem(res, requestIdOf(req), 'INTERNAL', 'Something went wrong on our side.');
      else res.destroy();
    });
  };
  return { app, listener };
}
