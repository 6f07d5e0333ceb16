import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlExecutor } from './client.js';

/** gateway/prisma/migrations, from both src/db (tsx, vitest) and dist/db (compiled). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'prisma', 'migrations');

// Same number `prisma migrate deploy` locks with, so the two never run at once on one database.
const ADVISORY_LOCK_ID = 72707369;

// The bookkeeping table exactly as Prisma Migrate creates it, so `prisma migrate deploy` and this
// runner can take turns on the same database.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
  /** Applied migrations whose file changed since (Prisma warns about these too). */
  modified: string[];
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies pending migrations in name order, each in its own transaction, recording them in
 * `_prisma_migrations`. Safe to run from several replicas at once (advisory lock) and idempotent.
 */
export async function migrate(
  sql: SqlExecutor,
  options: { dir?: string; lock?: boolean } = {},
): Promise<MigrationResult> {
  const migrations = await readMigrations(options.dir);
  const lock = options.lock ?? true;
  if (lock) await sql.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_ID]);
  try {
    await sql.exec(CREATE_MIGRATIONS_TABLE);
    const { rows } = await sql.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back in _prisma_migrations.`,
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: 0, modified: [] };
    for (const m of migrations) {
      const checksum = done.get(m.name);
      if (checksum !== undefined) {
        result.alreadyApplied++;
        if (checksum !== m.checksum) result.modified.push(m.name);
        continue;
      }
      await applyOne(sql, m);
      result.applied.push(m.name);
    }
    return result;
  } finally {
    if (lock) await sql.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_ID]);
  }
}

async function applyOne(sql: SqlExecutor, m: Migration): Promise<void> {
  const id = randomUUID();
  await sql.exec('BEGIN');
  try {
    await sql.exec(m.sql);
    await sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [id, m.checksum, m.name],
    );
    await sql.exec('COMMIT');
  } catch (error) {
    await sql.exec('ROLLBACK');
    throw new Error(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The migrations not applied yet, without applying any (MIGRATE_ON_START=false: a migration step owns
 * the schema, and a gateway must not start on an older one). No migrations table counts as none applied.
 */
export async function pendingMigrations(sql: SqlExecutor, options: { dir?: string } = {}): Promise<string[]> {
  const migrations = await readMigrations(options.dir);
  const { rows: table } = await sql.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
  );
  if (!table[0]?.exists) return migrations.map((m) => m.name);
  const { rows } = await sql.query<{ migration_name: string }>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL',
  );
  const done = new Set(rows.map((r) => r.migration_name));
  return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
}
