// Entry point: `node dist/index.js`. Configuration comes from the environment only (src/config.ts).
import { ConfigError, parseConfig } from './config.js';
import { startDemoUpstream } from './demo-upstream.js';
import { createLogger } from './logger.js';
import { resolveSecrets } from './secrets.js';
import { startServer } from './server.js';
import { buildServices } from './services.js';

async function main(): Promise<void> {
  let raw: ReturnType<typeof parseConfig>;
  try {
    raw = parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const { config, generatedAdminToken } = await resolveSecrets(raw);
  const logger = createLogger({ level: config.LOG_LEVEL });

  let upstreamUrl = config.INTERNAL_API_BASE_URL;
  let demo: Awaited<ReturnType<typeof startDemoUpstream>> | undefined;
  if (!upstreamUrl) {
    demo = await startDemoUpstream();
    upstreamUrl = demo.url;
    logger.warn({ demoUpstream: demo.url }, 'INTERNAL_API_BASE_URL is not set: proxying to the built-in demo upstream');
  }

  const services = await buildServices({ config, logger, upstreamUrl, echoMail: true });
  const gateway = await startServer(services, async () => demo?.close());
  const host = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  const managementHost =
    (config.MANAGEMENT_HOST ?? config.HOST) === '0.0.0.0' ? 'localhost' : (config.MANAGEMENT_HOST ?? config.HOST);
  logger.info(
    {
      port: gateway.port,
      managementPort: gateway.managementPort,
      database: services.db.kind === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL',
      rateLimiter: config.REDIS_URL ? 'redis' : 'in-memory',
      upstream: config.INTERNAL_API_BASE_URL ? new URL(upstreamUrl).origin : 'demo',
      signIn: services.mailer.kind === 'smtp' ? 'mailed links (SMTP)' : `dev mailbox in ${services.mailer.mailboxDir}`,
      sso: config.OIDC_ISSUER ? config.OIDC_NAME : 'off',
    },
    `gateway listening: proxy on http://${host}:${gateway.port}, management API on http://${managementHost}:${gateway.managementPort}`,
  );
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
  if (generatedAdminToken) {
    // Printed on purpose, outside the structured log: the operator needs it to bootstrap. It is
    // generated once per installation and kept in DATA_DIR/secrets.json (mode 0600).
    process.stdout.write(
      `\n  Admin API token (bootstrap credential for scripts and curl; kept in ${config.DATA_DIR}/secrets.json):\n    ${config.ADMIN_API_TOKEN}\n  Use it as "Authorization: Bearer <token>" against the management API, e.g. to make someone an admin:\n    curl -X POST http://${managementHost}:${gateway.managementPort}/users -H "authorization: Bearer <token>" -H 'content-type: application/json' -d '{"email":"you@example.com","role":"admin"}'\n\n`,
    );
  }

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
  console.error('gateway failed to start:', error);
  process.exit(1);
});
