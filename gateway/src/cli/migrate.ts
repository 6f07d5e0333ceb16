// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database in
// DATA_DIR) and exits. The gateway also does this at start-up; this is for deploy pipelines and the
// Kubernetes migration Job.
import { type ConfigError, parseDatabaseConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { databaseStartupError } from '../startup-error.js';

let config: ReturnType<typeof parseDatabaseConfig>;
try {
  config = parseDatabaseConfig();
} catch (error) {
  console.error((error as ConfigError).message);
  process.exit(1);
}
const db = await createDatabase({
  databaseUrl: config.DATABASE_URL,
  caFile: config.DATABASE_CA_FILE,
  dataDir: config.DATA_DIR,
  poolSize: 1,
});
try {
  const result = await db.withConnection((conn) => migrate(conn));
  console.log(
    JSON.stringify({
      msg: 'migrations done',
      database: db.kind,
      applied: result.applied,
      alreadyApplied: result.alreadyApplied,
    }),
  );
  for (const name of result.modified) console.warn(`warning: applied migration ${name} was modified since`);
} catch (error) {
  // The same one-line diagnosis as the gateway's start-up (an untrusted TLS certificate names DATABASE_CA_FILE).
  const explained = config.DATABASE_URL
    ? databaseStartupError(error, config.DATABASE_URL, config.DATABASE_CA_FILE)
    : (error as Error);
  console.error(explained.message);
  process.exitCode = 1;
} finally {
  await db.close();
}
