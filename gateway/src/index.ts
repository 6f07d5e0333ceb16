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

  const services = await buildServices({ config, logger, upstreamUrl });
  const gateway = await startServer(services, async () => demo?.close());
  logger.info(
    {
      port: gateway.port,
      database: services.db.kind === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL',
      rateLimiter: config.REDIS_URL ? 'redis' : 'in-memory',
      upstream: config.INTERNAL_API_BASE_URL ? new URL(upstreamUrl).origin : 'demo',
    },
    `gateway listening on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${gateway.port}`,
  );
  if (generatedAdminToken) {
    // Printed on purpose, outside the structured log: the operator needs it once to use the API.
    // It is generated per installation and kept in DATA_DIR/secrets.json (mode 0600).
    process.stdout.write(
      `\n  Admin API token (development; kept in ${config.DATA_DIR}/secrets.json):\n    ${config.ADMIN_API_TOKEN}\n\n`,
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
