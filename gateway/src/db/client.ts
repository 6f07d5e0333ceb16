import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { lockDataDir } from './data-dir-lock.js';

export type { PrismaClient };

/** A Prisma client or the client of an interactive transaction (`prisma.$transaction(async (tx) => …)`). */
export type PrismaTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * The slice of a SQL driver the gateway uses outside Prisma: the migration runner and the two
 * hot/heavy statements (batched usage inserts, usage aggregates) where a raw parameterised query is
 * several times cheaper than going through the ORM. Both `pg.Pool` and `PGlite` satisfy it.
 */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  sql: SqlExecutor;
  /** Runs `fn` on one dedicated connection (transactions, session-level advisory locks). */
  withConnection<T>(fn: (conn: SqlExecutor) => Promise<T>): Promise<T>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** PEM file of the CA(s) that signed the server's certificate: TLS, verifying chain and host name. */
  caFile?: string | undefined;
  /** Keep an embedded database in memory only (tests). */
  inMemory?: boolean;
}

/** PostgreSQL when a URL is given, else embedded PGlite under `dataDir` — same schema, same code above. */
export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    return createPostgres(await postgresConnection(options.databaseUrl, options.caFile), options.poolSize ?? 10);
  }
  return createPglite(options.inMemory ? undefined : resolve(options.dataDir, 'pglite'));
}

type PostgresConnection = Pick<pg.PoolConfig, 'connectionString' | 'ssl'>;

/**
 * The pool's connection settings. With a CA file, TLS is required and verified like libpq's
 * `sslmode=verify-full` (chain up to that CA, and the host name). The URL's own `ssl*` parameters are
 * dropped then: pg lets the connection string override the `ssl` option, and would discard the CA.
 */
export async function postgresConnection(url: string, caFile?: string): Promise<PostgresConnection> {
  if (!caFile) return { connectionString: url };
  const ca = await readFile(caFile, 'utf8');
  if (!ca.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`DATABASE_CA_FILE ${caFile} holds no PEM certificate`);
  const parsed = new URL(url);
  for (const name of ['ssl', 'sslmode', 'sslrootcert', 'uselibpqcompat']) parsed.searchParams.delete(name);
  return { connectionString: parsed.toString(), ssl: { ca, rejectUnauthorized: true } };
}

function createPostgres(connection: PostgresConnection, max: number): Database {
  const pool = new pg.Pool({ ...connection, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one: its queries fail with the error (callers handle that) and the client also
  // emits 'error'. Every client keeps a listener for its whole life, whatever pg-pool does with its own
  // (seen once in CI: an uncaught ECONNRESET from a pg write while the test cut the link to PostgreSQL;
  // which emitter lacked a listener was not pinned down).
  pool.on('connect', (client) => client.on('error', () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql: SqlExecutor = {
    query: (text, params) => pool.query(text, params) as never,
    exec: async (script) => {
      await pool.query(script);
    },
  };
  return {
    kind: 'postgres',
    prisma,
    sql,
    withConnection: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn({
          query: (text, params) => client.query(text, params) as never,
          exec: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function createPglite(dir: string | undefined): Promise<Database> {
  // DATA_DIR and pglite/ are created 0700 (a umask only removes bits): the files are this user's alone.
  if (dir) await mkdir(dir, { recursive: true, mode: 0o700 });
  const release = dir ? lockDataDir(join(dir, '..')) : () => {};
  // Loaded only in embedded mode: a gateway on PostgreSQL never pays for PGlite's WebAssembly.
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ]);
  // PostgreSQL's default 128 MB of shared buffers made PGlite's WebAssembly memory grow to ~206 MB
  // (it never shrinks); the quick start's data fits 16 MB many times over. Measured with
  // bench/memory-walk.mjs: RSS ~470 → ~400 MB after a dashboard-like walk. 128 MB is the module's
  // minimum memory, so that much stays whatever the settings.
  const options = { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] };
  const db = dir ? new PGlite(dir, options) : new PGlite(options);
  await db.waitReady.catch((error: unknown) => {
    release();
    throw error;
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  const sql: SqlExecutor = {
    query: (text, params) => db.query(text, params) as never,
    exec: async (script) => {
      await db.exec(script);
    },
  };
  return {
    kind: 'pglite',
    prisma,
    sql,
    // PGlite is a single connection already.
    withConnection: (fn) => fn(sql),
    ping: async () => {
      await db.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await db.close();
      release();
    },
  };
}
