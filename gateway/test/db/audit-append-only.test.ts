import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase } from '../support/database.js';

const INSERT = `INSERT INTO audit_logs (actor_kind, actor_label, action, target_type, target_id, changes)
  VALUES ('system', 'append-only test', 'key.update', 'key', $1, '{"name":{"from":"a","to":"b"}}') RETURNING id`;

/** The error a statement fails with (the test fails if it succeeds). */
async function failureOf(run: () => Promise<unknown>): Promise<{ message: string; code?: string }> {
  try {
    await run();
  } catch (error) {
    return error as { message: string; code?: string };
  }
  throw new Error('the statement succeeded');
}

describe.each(['postgres', 'pglite'] as const)('audit_logs is append-only (%s)', (backend) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  let snapshot: () => Promise<unknown[]>;

  beforeAll(async () => {
    if (backend === 'postgres') {
      const created = await createTestDatabase();
      drop = created.drop;
      db = await createDatabase({ databaseUrl: created.url, dataDir: '.', poolSize: 2 });
    } else {
      db = await createDatabase({ dataDir: '.', inMemory: true });
    }
    await db.withConnection((c) => migrate(c, { lock: backend === 'postgres' }));
    snapshot = async () => (await db.sql.query('SELECT * FROM audit_logs ORDER BY id')).rows;
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('accepts INSERT, through SQL and through Prisma', async () => {
    const { rows } = await db.sql.query<{ id: string }>(INSERT, [randomUUID()]);
    expect(rows).toHaveLength(1);
    const created = await db.prisma.auditLog.create({
      data: { actorKind: 'system', action: 'settings.update', targetType: 'settings', changes: {} },
    });
    expect(created.id).toBeGreaterThan(BigInt(rows[0]!.id));
    expect(await db.prisma.auditLog.count()).toBe(2);
  });

  it.each([
    ['UPDATE', 'UPDATE audit_logs SET action = $1', ['key.delete']],
    ['UPDATE', 'UPDATE audit_logs SET changes = $1 WHERE id = (SELECT min(id) FROM audit_logs)', ['{}']],
    ['DELETE', 'DELETE FROM audit_logs', []],
    ['DELETE', 'DELETE FROM audit_logs WHERE id = (SELECT max(id) FROM audit_logs)', []],
    ['TRUNCATE', 'TRUNCATE audit_logs', []],
    ['TRUNCATE', 'TRUNCATE audit_logs RESTART IDENTITY', []],
  ] as const)('refuses %s with the trigger’s error: %s', async (operation, sql, params) => {
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(0);
    const error = await failureOf(() => db.sql.query(sql, [...params]));
    expect(error.message).toContain(`audit_logs is append-only: ${operation} refused`);
    expect(error.code).toBe('42501'); // insufficient_privilege
    expect(await snapshot()).toEqual(before);
  });

  it('refuses updates and deletes through Prisma too', async () => {
    const before = await snapshot();
    const first = await db.prisma.auditLog.findFirstOrThrow({ orderBy: { id: 'asc' } });
    for (const run of [
      () => db.prisma.auditLog.update({ where: { id: first.id }, data: { actorLabel: 'someone else' } }),
      () => db.prisma.auditLog.updateMany({ data: { ip: '0.0.0.0' } }),
      () => db.prisma.auditLog.delete({ where: { id: first.id } }),
      () => db.prisma.auditLog.deleteMany({}),
    ]) {
      expect((await failureOf(run)).message).toMatch(/audit_logs is append-only: (UPDATE|DELETE) refused/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('rolls back the whole transaction that tries to rewrite history', async () => {
    const before = await snapshot();
    const email = `history-${randomUUID()}@example.com`;
    const error = await failureOf(() =>
      db.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { email } });
        await tx.auditLog.create({ data: { actorKind: 'system', action: 'user.create', targetType: 'user' } });
        await tx.auditLog.deleteMany({ where: { action: 'key.update' } });
      }),
    );
    expect(error.message).toContain('audit_logs is append-only: DELETE refused');
    expect(await db.prisma.user.findUnique({ where: { email } })).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it('still accepts INSERT afterwards', async () => {
    const count = await db.prisma.auditLog.count();
    await db.sql.query(INSERT, [randomUUID()]);
    expect(await db.prisma.auditLog.count()).toBe(count + 1);
  });
});
