// Entry point: `node dist/index.js`. Configuration comes from the environment only (src/config.ts).
import { pino } from 'pino';
import { request } from 'undici';
import { ConfigError, parseConfig } from './config.js';
import { startDemoUpstream } from './demo-upstream.js';
import { createLogger, type Logger } from './logger.js';
import { resolveSecrets } from './secrets.js';
import { startServer } from './server.js';
import { buildServices } from './services.js';
import { describeEndpoint, errorCode, StartupError } from './startup-error.js';

/** Warns, without delaying start-up, when INTERNAL_API_BASE_URL does not answer at all. */
async function probeUpstream(url: string, logger: Logger): Promise<void> {
  try {
    // Any HTTP answer, even a 404, shows the upstream is there.
    const { body } = await request(url, { method: 'HEAD', headersTimeout: 5_000, bodyTimeout: 5_000 });
    await body.dump();
  } catch (error) {
    logger.warn(
      `INTERNAL_API_BASE_URL (${new URL(url).origin}) is not reachable (${errorCode(error) ?? (error as Error).message}): proxied requests answer 502 until it is; start your API or correct INTERNAL_API_BASE_URL`,
    );
  }
}

async function main(): Promise<void> {
  const raw = parseConfig();
  const { config, adminToken, secretsFile } = await resolveSecrets(raw);
  // Human-readable on a terminal in development; JSON for log collectors and always in production.
  const format =
    config.NODE_ENV === 'production' ? 'json' : (config.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'));
  // The prettifier is loaded only when wanted: production never imports it.
  const destination =
    format === 'pretty'
      ? (await import('pino-pretty')).default({ ignore: 'pid,hostname,service', sync: true })
      : pino.destination({ sync: false });
  const logger = createLogger({ level: config.LOG_LEVEL, destination });

  let upstreamUrl = config.INTERNAL_API_BASE_URL;
  let demo: Awaited<ReturnType<typeof startDemoUpstream>> | undefined;
  if (!upstreamUrl) {
    demo = await startDemoUpstream();
    upstreamUrl = demo.url;
  }

  // Mails read as text in a terminal; in JSON logs they stay inside the log line.
  const services = await buildServices({ config, logger, upstreamUrl, echoMail: format === 'pretty' });
  const gateway = await startServer(services, async () => demo?.close());
  const host = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  const managementHost =
    (config.MANAGEMENT_HOST ?? config.HOST) === '0.0.0.0' ? 'localhost' : (config.MANAGEMENT_HOST ?? config.HOST);
  logger.info(
    {
      port: gateway.port,
      managementPort: gateway.managementPort,
      database: services.db.kind === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL',
      rateLimiter: config.REDIS_URL
        ? `${config.REDIS_MODE === 'cluster' ? 'redis cluster via' : 'redis at'} ${describeEndpoint(config.REDIS_URL)}${services.redis?.status === 'ready' ? '' : ' (unreachable: see above)'}`
        : 'in-memory',
      upstream: config.INTERNAL_API_BASE_URL ? new URL(upstreamUrl).origin : 'demo',
      signIn: services.mailer.kind === 'smtp' ? 'mailed links (SMTP)' : `dev mailbox in ${services.mailer.mailboxDir}`,
      sso: config.OIDC_ISSUER ? config.OIDC_NAME : 'off',
    },
    `gateway listening: proxy on http://${host}:${gateway.port}, management API on http://${managementHost}:${gateway.managementPort}`,
  );
  if (demo) {
    logger.warn({ demoUpstream: demo.url }, 'INTERNAL_API_BASE_URL is not set: proxying to the built-in demo upstream');
  }
  if (services.mailer.kind === 'dev-mailbox') {
    logger.warn(
      `SMTP_URL is not set: sign-in links are not mailed; they are printed in this log and written to ${services.mailer.mailboxDir}`,
    );
  }
  if (config.ADMIN_EMAILS.length === 0) {
    logger.warn(
      'ADMIN_EMAILS is not set: nobody becomes an admin by signing in; use the admin API token to promote someone',
    );
  }
  if (adminToken === 'generated' && format === 'json') {
    // No terminal (a supervisor, a pipe): stdout is a log that others keep, and a secret never goes
    // into a log. The person who needs the token reads it from the file.
    logger.info(
      `admin API token generated: read it from ${secretsFile} (adminApiToken); it is printed only to a terminal`,
    );
  } else if (adminToken === 'generated') {
    // Printed once, outside the structured log: the operator needs it to bootstrap. It is generated
    // once per installation and kept in DATA_DIR/secrets.json (mode 0600); later starts say where.
    // Written through the log's stream so that it lands after the lines above, not among them.
    destination.write(
      `\n  Admin API token (generated now; kept in ${secretsFile}):\n    ${config.ADMIN_API_TOKEN}\n` +
        '  It is the bootstrap credential for scripts and curl, not a dashboard password: send it as\n' +
        `  "Authorization: Bearer <token>" to the management API (http://${managementHost}:${gateway.managementPort}),\n` +
        '  e.g. to make the first admin when ADMIN_EMAILS is not set:\n' +
        `    curl -X POST http://${managementHost}:${gateway.managementPort}/users -H "authorization: Bearer <token>" -H 'content-type: application/json' -d '{"email":"you@example.com","role":"admin"}'\n` +
        '  People sign in to the dashboard with their email address; ADMIN_EMAILS lists the admins.\n\n',
    );
  } else if (adminToken === 'stored') {
    logger.info(`admin API token (bootstrap credential for scripts and curl) is kept in ${secretsFile}`);
  }
  if (config.INTERNAL_API_BASE_URL) void probeUpstream(config.INTERNAL_API_BASE_URL, logger);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'signal received');
      gateway.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  // Problems the operator can fix are one line each, with no stack trace; anything else is a bug.
  if (error instanceof ConfigError || error instanceof StartupError) console.error(error.message);
  else console.error('gateway failed to start:', error);
  process.exit(1);
});
