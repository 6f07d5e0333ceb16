import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseDatabaseConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { resolveSecrets } from '../../src/secrets.js';
import { buildServices } from '../../src/services.js';
import { createTestDatabase } from '../support/database.js';

const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const SECRET = 'sec_0a1b2c3d4e5f60718293a4b5c6d7e8f9';

describe('secrets from files (NAME_FILE)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-secret-files-'));
    await writeFile(join(dir, 'admin'), `${TOKEN}\n`);
    await writeFile(join(dir, 'session'), SECRET);
    await writeFile(join(dir, 'db'), 'postgresql://gw:pw@db.internal:5432/gw\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads each variable from its file, dropping one trailing newline', () => {
    const config = parseConfig({
      ADMIN_API_TOKEN_FILE: join(dir, 'admin'),
      SESSION_SECRET_FILE: join(dir, 'session'),
      DATABASE_URL_FILE: join(dir, 'db'),
    });
    expect(config.ADMIN_API_TOKEN).toBe(TOKEN);
    expect(config.SESSION_SECRET).toBe(SECRET);
    expect(config.DATABASE_URL).toBe('postgresql://gw:pw@db.internal:5432/gw');
    // The migration command reads the same way.
    expect(parseDatabaseConfig({ DATABASE_URL_FILE: join(dir, 'db') }).DATABASE_URL).toBe(
      'postgresql://gw:pw@db.internal:5432/gw',
    );
  });

  it('names the variable when its file is missing or both forms are set, beside other problems, never the value', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        ADMIN_API_TOKEN_FILE: join(dir, 'missing'),
        SESSION_SECRET: SECRET,
        SESSION_SECRET_FILE: join(dir, 'session'),
        PORT: 'abc',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues).toEqual(
      expect.arrayContaining([
        `ADMIN_API_TOKEN_FILE cannot be read (ENOENT): ${join(dir, 'missing')}`,
        'SESSION_SECRET and SESSION_SECRET_FILE are both set: keep one',
        expect.stringMatching(/^PORT /),
      ]),
    );
    expect(error?.message).not.toContain(SECRET);
  });
});

describe('MIGRATE_ON_START=false', () => {
  it('refuses to start on a database a migration step has not brought up to date, then starts once it has', async () => {
    const created = await createTestDatabase();
    const logger = createLogger({ level: 'silent' });
    const dataDir = await mkdtemp(join(tmpdir(), 'gw-migrate-off-'));
    try {
      const { config } = await resolveSecrets(
        parseConfig({
          NODE_ENV: 'test',
          DATABASE_URL: created.url,
          ADMIN_API_TOKEN: TOKEN,
          SESSION_SECRET: SECRET,
          DATA_DIR: dataDir,
          MIGRATE_ON_START: 'false',
          PORT: '0',
          MANAGEMENT_PORT: '0',
        }),
      );
      await expect(buildServices({ config, logger, upstreamUrl: 'http://127.0.0.1:9' })).rejects.toThrow(
        /^MIGRATE_ON_START=false and the database lacks \d+ migrations \(20261126000000_init, .*\): run the migration step/,
      );
      // The migration step runs; the gateway starts without touching the schema.
      const db = await createDatabase({ databaseUrl: created.url, dataDir, poolSize: 1 });
      await db.withConnection((conn) => migrate(conn));
      await db.close();
      const services = await buildServices({ config, logger, upstreamUrl: 'http://127.0.0.1:9' });
      await services.stopBackgroundJobs();
      await services.usage.close(1000);
      await services.configEvents.close();
      await services.limiter.close();
      await services.db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await created.drop();
    }
  });
});
