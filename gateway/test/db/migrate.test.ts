import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { createTestDatabase } from '../support/database.js';

describe.each(['postgres', 'pglite'] as const)('migrations (%s)', (backend) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (backend === 'postgres') {
      const created = await createTestDatabase();
      drop = created.drop;
      db = await createDatabase({ databaseUrl: created.url, dataDir: '.', poolSize: 2 });
    } else {
      db = await createDatabase({ dataDir: '.', inMemory: true });
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('applies every migration once and records it as prisma migrate deploy would', async () => {
    const all = await readMigrations();
    const first = await db.withConnection((c) => migrate(c, { lock: backend === 'postgres' }));
    expect(first.applied).toEqual(all.map((m) => m.name));
    const { rows } = await db.sql.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(all.map((m) => m.name));
    expect(rows.map((r) => r.checksum)).toEqual(all.map((m) => m.checksum));
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
  });

  it('is a no-op the second time', async () => {
    const second = await db.withConnection((c) => migrate(c, { lock: backend === 'postgres' }));
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe((await readMigrations()).length);
    const { rows } = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(rows[0]!.n).toBe((await readMigrations()).length);
  });

  it('leaves a schema Prisma can use', async () => {
    const user = await db.prisma.user.create({ data: { email: `m-${backend}@example.com` } });
    expect(await db.prisma.user.findUnique({ where: { id: user.id } })).toMatchObject({ email: user.email });
  });
});
