import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { resolveSecrets } from '../../src/secrets.js';
import { type RunningGateway, startServer } from '../../src/server.js';
import { buildServices } from '../../src/services.js';
import { createTestDatabase } from './database.js';
import { type ReceivedMail, readDevMailbox } from './mailbox.js';
import { createRedisPrefix, TEST_REDIS_URL } from './redis.js';
import type { TestSmtpServer } from './smtp.js';

export type Backend = 'postgres' | 'pglite';

export interface TestGatewayOptions {
  backend: Backend;
  /** Use the real Redis (own key prefix) instead of the in-memory limiter. */
  redis?: boolean;
  upstreamUrl: string;
  /** Extra environment variables, as the gateway would read them. */
  env?: Record<string, string>;
  /** Reuse a database created by another gateway (two replicas); it is not dropped by this one. */
  databaseUrl?: string;
  redisPrefix?: string;
  /** Mail sign-in links through this SMTP server instead of the dev mailbox. */
  smtp?: TestSmtpServer;
}

export interface TestGateway {
  /** The proxy listener: /proxy/*, /health, /ready. */
  url: string;
  /** The management listener: management API, /auth/*, /metrics. */
  managementUrl: string;
  /** The gateway's DATA_DIR (its dev mailbox is `mailbox/` inside). */
  dataDir: string;
  /** Mails sent to `email` so far (dev mailbox or the test's SMTP server). */
  mailsTo(email: string): Promise<ReceivedMail[]>;
  adminToken: string;
  gateway: RunningGateway;
  databaseUrl: string | undefined;
  redisPrefix: string | undefined;
  /** Everything the gateway logged, one JSON line each. */
  logs: () => string;
  logger: Logger;
  stop: () => Promise<void>;
  /** Authorised fetch helpers for the management API. */
  admin: (path: string, init?: RequestInit) => Promise<Response>;
}

/** Captures pino output in memory so tests can read what was logged. */
function captureStream() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** A real gateway on 127.0.0.1 with a database (and Redis prefix) of its own. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const cleanups: (() => Promise<void>)[] = [];
  let databaseUrl = options.databaseUrl;
  if (options.backend === 'postgres' && !databaseUrl) {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    cleanups.push(db.drop);
  }
  let redisPrefix = options.redisPrefix;
  if (options.redis && !redisPrefix) {
    const r = createRedisPrefix();
    redisPrefix = r.prefix;
    cleanups.push(r.cleanup);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-test-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const adminToken = `adm_${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    MANAGEMENT_PORT: '0',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    ADMIN_API_TOKEN: adminToken,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    INTERNAL_API_BASE_URL: options.upstreamUrl,
    USAGE_FLUSH_INTERVAL_MS: '50',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(options.smtp ? { SMTP_URL: options.smtp.url } : {}),
    ...(options.redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix! } : {}),
    ...options.env,
  };
  const { config } = await resolveSecrets(parseConfig(env));
  const capture = captureStream();
  const log = createLogger({ level: config.LOG_LEVEL, destination: capture.stream });
  const services = await buildServices({
    config,
    logger: log,
    upstreamUrl: options.upstreamUrl,
    inMemoryDatabase: true,
  });
  const gateway = await startServer(services);
  const url = `http://127.0.0.1:${gateway.port}`;
  const managementUrl = `http://127.0.0.1:${gateway.managementPort}`;
  let stopped = false;
  return {
    url,
    managementUrl,
    dataDir,
    mailsTo: async (email) =>
      (options.smtp ? options.smtp.mails : await readDevMailbox(dataDir)).filter((m) => m.to === email),
    adminToken,
    gateway,
    databaseUrl,
    redisPrefix,
    logs: capture.text,
    logger: log,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await gateway.stop();
      for (const c of cleanups.reverse()) await c();
    },
    admin: (path, init = {}) =>
      fetch(managementUrl + path, {
        ...init,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
  };
}
