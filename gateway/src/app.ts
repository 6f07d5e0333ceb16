import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { createRequireActor } from './auth/management-auth.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { ApiError } from './errors.js';
import { isDashboardOrigin } from './http/dashboard-origins.js';
import { createTrustProxy, type TrustFn } from './http/trust-proxy.js';
import type { AuthFailureThrottle } from './keys/auth-throttle.js';
import type { ConfigEvents } from './keys/config-events.js';
import type { KeyStore } from './keys/key-store.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';
import type { Metrics } from './metrics.js';
import { createErrorHandler, notFoundHandler } from './middleware/error-handler.js';
import { jsonBody } from './middleware/json-body.js';
import { sendProblem } from './middleware/problem.js';
import { assignRequestId, requestIdFor, requestIdOf } from './middleware/request-id.js';
import type { PlanStore } from './plans/plan-store.js';
import { createProxyHandler, isProxyUrl } from './proxy/handler.js';
import type { RouteTable } from './proxy/route-table.js';
import type { Upstream } from './proxy/upstream.js';
import type { RateLimiter } from './ratelimit/index.js';
import type { RedisClient } from './redis-client.js';
import { apiReferenceRouter } from './routes/api-reference.js';
import { auditRouter } from './routes/audit.js';
import { authRouter } from './routes/auth.js';
import { configRouter } from './routes/config.js';
import { keysRouter } from './routes/keys.js';
import { type OidcClient, oidcRouter } from './routes/oidc.js';
import { plansRouter } from './routes/plans.js';
import { routesRouter } from './routes/routes.js';
import { settingsRouter } from './routes/settings.js';
import { systemRouter } from './routes/system.js';
import { tokensRouter } from './routes/tokens.js';
import type { RouteDeps } from './routes/types.js';
import { usageRouter } from './routes/usage.js';
import { usersRouter } from './routes/users.js';
import { verifyRouter } from './routes/verify.js';
import { webhooksRouter } from './routes/webhooks.js';
import type { ProxyTracing } from './tracing/index.js';
import type { UsageRecorder } from './usage/recorder.js';
import type { QuotaThresholds } from './webhooks/quota-threshold.js';
import type { WebhookWorker } from './webhooks/worker.js';

/** Everything the gateway talks to, built once at start-up (src/services.ts) or by a test. */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Database;
  redis: RedisClient | undefined;
  limiter: RateLimiter;
  keys: KeyStore;
  /** Every plan, in memory (reloaded on `plans` config events). */
  plans: PlanStore;
  configEvents: ConfigEvents;
  usage: UsageRecorder;
  /** INTERNAL_API_BASE_URL's pool: the default route's target. */
  upstream: Upstream;
  /** Routes the proxy matches requests against (reloaded on `routes` config events). */
  routes: RouteTable;
  authThrottle: AuthFailureThrottle;
  mailer: Mailer;
  /** Present when OIDC_ISSUER is configured. */
  oidc?: OidcClient | undefined;
  /** Stops timers such as the purge of expired sessions. */
  stopBackgroundJobs(): Promise<void>;
  webhooks: WebhookWorker;
  quotas: QuotaThresholds;
  /** OpenTelemetry tracing of proxied requests; null or absent when off (the default). */
  tracing?: ProxyTracing | null;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The gateway's two request listeners. The proxy listener serves `/proxy/*` (straight to the proxy
 * handler: none of the management middleware runs on the hot path), `/health` and `/ready`, nothing
 * else. The management listener serves the management API, sign-in and `/metrics` on its own port:
 * proxied content never shares an origin with the management API or its cookie, so a page served
 * through the proxy cannot read management responses (CORS) and its mutations fail the Origin check.
 */
export function createApp(services: Services, state: { shuttingDown: boolean } = { shuttingDown: false }) {
  const { config, logger, metrics, db } = services;
  const trustProxy = createTrustProxy(config.TRUST_PROXY);
  const management = express();
  configureExpress(management, trustProxy.trust);
  const proxy = createProxyHandler({ ...services, trustProxy });

  const routeDeps: RouteDeps = {
    config,
    prisma: db.prisma,
    sql: db.sql,
    logger,
    configChanges: services.configEvents,
    requireActor: createRequireActor({ config, prisma: db.prisma }),
    limiter: services.limiter,
    mailer: services.mailer,
    plans: services.plans,
  };
  const system = systemRouter({
    db,
    redis: services.redis,
    metrics,
    logger,
    rateLimitFailureMode: config.RATE_LIMIT_FAILURE_MODE,
    isShuttingDown: () => state.shuttingDown,
  });

  const managementDuration = metrics.requestDuration.labels('management');
  const systemDuration = metrics.requestDuration.labels('system');
  const observe: RequestHandler = (req, res, next) => {
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
  };
  const secureHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
    strictTransportSecurity: config.SECURE_COOKIES,
  });

  management.use(observe);
  management.use(function validHost(req, _res, next) {
    const problem = trustProxy.hostProblem(req);
    next(problem ? new ApiError('BAD_REQUEST', problem) : undefined);
  });
  management.use(secureHeaders);
  management.use(system.probes);
  management.use(system.metrics);
  management.use(
    cors({
      origin: (origin, callback) => callback(null, isDashboardOrigin(config, origin)),
      credentials: true,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition'],
      maxAge: 600,
    }),
  );
  management.use(jsonBody(config.MANAGEMENT_BODY_LIMIT));
  management.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  management.use(apiReferenceRouter());
  management.use(authRouter(routeDeps));
  if (services.oidc) management.use(oidcRouter({ ...routeDeps, oidc: services.oidc }));
  management.use(usersRouter(routeDeps));
  // Before the keys router, whose `/keys` middleware would authenticate the request a second time.
  management.use(
    verifyRouter({
      ...routeDeps,
      keys: services.keys,
      routes: services.routes,
      usage: services.usage,
      quotas: services.quotas,
      logClientIp: routeDeps.config.USAGE_LOG_CLIENT_IP,
    }),
  );
  management.use(keysRouter(routeDeps));
  management.use(plansRouter(routeDeps));
  management.use(usageRouter(routeDeps));
  management.use(tokensRouter(routeDeps));
  management.use(routesRouter(routeDeps));
  management.use(settingsRouter(routeDeps));
  management.use(auditRouter(routeDeps));
  management.use(webhooksRouter(routeDeps));
  management.use(configRouter(routeDeps));
  management.use(notFoundHandler);
  management.use(createErrorHandler(logger));

  // The proxy listener's few non-proxy routes: probes for load balancers and orchestrators.
  const front = express();
  configureExpress(front, trustProxy.trust);
  front.use(observe);
  front.use(secureHeaders);
  front.use(system.probes);
  front.use(function onlyProxy(req, _res, next) {
    next(
      new ApiError(
        'NOT_FOUND',
        `No route for ${req.method} ${req.path} here: this listener serves /proxy/* only (the management API has its own).`,
      ),
    );
  });
  front.use(createErrorHandler(logger));

  const proxyListener: RequestListener = (req, res) => {
    // Location rewriting and X-Forwarded-Host are built from the host: refuse one that could not be
    // part of a URL (`evil.example:1@good`, `a/b`), or two of them, before anything else runs.
    const badHost = trustProxy.hostProblem(req);
    if (badHost) {
      sendProblem(res, requestIdFor(req), 'BAD_REQUEST', badHost);
      return;
    }
    if (!isProxyUrl(req.url ?? '')) {
      front(req, res);
      return;
    }
    proxy(req, res).catch((err: unknown) => {
      logger.error({ err, requestId: requestIdOf(req) }, 'proxy handler failed');
      if (!res.headersSent) sendProblem(res, requestIdOf(req), 'INTERNAL', 'Something went wrong on our side.');
      else res.destroy();
    });
  };
  const managementListener: RequestListener = (req, res) => {
    management(req, res);
  };
  return { management, proxyListener, managementListener };
}

function configureExpress(app: Express, trust: TrustFn): void {
  app.disable('x-powered-by');
  // The compiled function itself: req.ip here and the proxy's clientIp apply the same rules.
  app.set('trust proxy', trust);
  app.set('etag', false);
}
