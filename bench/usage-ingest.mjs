#!/usr/bin/env node
// What one PostgreSQL ingests of usage records (issue 17): the gateway's own UsageRecorder (batches
// of USAGE_BATCH_SIZE=1000 in one INSERT … unnest statement) writing into a fresh database on the
// local PostgreSQL, first one writer (one replica), then four at once (four replicas), rows/s.
//   node bench/usage-ingest.mjs [--rows=200000]
// Needs a built gateway (npm run build -w gateway). The database is dropped at the end.
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: opts } = parseArgs({ options: { rows: { type: 'string', default: '200000' } } });
const rows = Number(opts.rows);
const dist = join(import.meta.dirname, '../gateway/dist');
const { createDatabase } = await import(join(dist, 'db/client.js'));
const { migrate } = await import(join(dist, 'db/migrate.js'));
const { UsageRecorder } = await import(join(dist, 'usage/recorder.js'));
const { createMetrics } = await import(join(dist, 'metrics.js'));
const { createLogger } = await import(join(dist, 'logger.js'));

const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const name = `usage_ingest_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const logger = createLogger({ level: 'warn' });
const databases = [];
try {
  const open = async () => {
    const db = await createDatabase({ databaseUrl: url.toString(), poolSize: 2, dataDir: '.' });
    databases.push(db);
    return db;
  };
  const first = await open();
  await first.withConnection((conn) => migrate(conn, { lock: true }));
  const user = await first.prisma.user.create({ data: { email: `ingest-${randomUUID()}@example.com` } });
  const key = await first.prisma.apiKey.create({
    data: { userId: user.id, keyHash: randomBytes(32).toString('hex'), start: 'ak_bench', name: 'bench' },
  });

  /** `writers` recorders (one per replica) writing `rows` records between them; rows/s. */
  const run = async (writers) => {
    const dbs = [first, ...(await Promise.all(Array.from({ length: writers - 1 }, open)))];
    const recorders = dbs.map(
      (db) =>
        new UsageRecorder({
          sql: db.sql,
          logger,
          metrics: createMetrics(),
          bufferMax: rows,
          bufferMaxBytes: 4 * 1024 ** 3,
          batchSize: 1_000,
          flushIntervalMs: 50,
        }),
    );
    const started = performance.now();
    const now = Date.now();
    for (let i = 0; i < rows; i++) {
      recorders[i % writers].record(key.id, 'GET', `/v1/items/${i % 1000}`, 200, 3 + (i % 50), now - (i % 60_000));
    }
    await Promise.all(recorders.map((r) => r.flush()));
    const seconds = (performance.now() - started) / 1000;
    const { rows: counted } = await first.sql.query('SELECT count(*)::int AS n FROM usage_logs');
    return { seconds, perSecond: Math.round(rows / seconds), total: counted[0].n };
  };

  for (const writers of [1, 4]) {
    const r = await run(writers);
    console.log(
      `${writers} writer${writers > 1 ? 's' : ''}: ${rows} rows in ${r.seconds.toFixed(2)} s = ${r.perSecond} rows/s (table holds ${r.total})`,
    );
  }
} finally {
  await Promise.all(databases.map((db) => db.close().catch(() => {})));
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
