// Least-privilege database roles (deploy/db-roles.sql), against the real PostgreSQL: a fresh database,
// the script run by psql as the admin, the migrations applied as the migrator, then the gateway's own
// code paths as the runtime role — start-up with MIGRATE_ON_START=false, a user and a key made on the
// management API, a proxied request whose usage record is written and read back, and usage maintenance
// creating and dropping daily partitions — while DDL as the runtime role is refused.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../gateway/src/db/client.js';
import { migrate, readMigrations } from '../../gateway/src/db/migrate.js';
import { maintainUsageStorage } from '../../gateway/src/usage/maintenance.js';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../../gateway/test/support/database.js';
import { startTestGateway, type TestGateway } from '../../gateway/test/support/gateway.js';
import { startUpstream } from '../../gateway/test/support/upstream.js';
import { repoPath } from './lib/repo.js';

const suffix = randomBytes(4).toString('hex');
const MIGRATOR = `gw_migrator_${suffix}`;
const RUNTIME = `gw_app_${suffix}`;
const DAY_MS = 86_400_000;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const urlAs = (role: string) => {
  const url = new URL(database.url);
  url.username = role;
  return url.toString();
};

/** One statement on its own connection as `role`; answers the PostgreSQL error code, or 'ok'. */
async function as(role: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: urlAs(role) });
  await client.connect();
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

function runRolesScript(): string {
  return execFileSync(
    'psql',
    [database.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `migrator=${MIGRATOR}`, '-v', `runtime=${RUNTIME}`],
    { input: `\\i ${repoPath('deploy/db-roles.sql')}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  runRolesScript();
}, 60_000);

afterAll(async () => {
  await database?.drop();
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    for (const role of [RUNTIME, MIGRATOR]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
});

describe('deploy/db-roles.sql: a migrator with DDL and a runtime role with data access only', () => {
  it('creates two login roles without superuser, CREATEDB or CREATEROLE, and runs again without error', async () => {
    runRolesScript();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query(
        'SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
        [[MIGRATOR, RUNTIME]],
      );
      expect(rows).toEqual(
        [RUNTIME, MIGRATOR].sort().map((rolname) => ({
          rolname,
          rolcanlogin: true,
          rolsuper: false,
          rolcreatedb: false,
          rolcreaterole: false,
        })),
      );
    } finally {
      await admin.end();
    }
  });

  it('the migrator applies every migration, and owns what they create', async () => {
    const db = await createDatabase({ databaseUrl: urlAs(MIGRATOR), dataDir: '/nonexistent', poolSize: 1 });
    try {
      const result = await db.withConnection((conn) => migrate(conn));
      expect(result.applied).toEqual((await readMigrations()).map((m) => m.name));
      const { rows } = await db.sql.query<{ owner: string; n: number }>(
        `SELECT pg_get_userbyid(relowner) AS owner, count(*)::int AS n FROM pg_class
          WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') GROUP BY 1`,
      );
      expect(rows.map((r) => r.owner)).toEqual([MIGRATOR]);
    } finally {
      await db.close();
    }
  });

  describe('the gateway as the runtime role', () => {
    let gw: TestGateway;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let keyId = '';

    beforeAll(async () => {
      upstream = await startUpstream((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      });
      gw = await startTestGateway({
        backend: 'postgres',
        databaseUrl: urlAs(RUNTIME),
        upstreamUrl: upstream.url,
        env: { MIGRATE_ON_START: 'false' },
      });
    }, 60_000);

    afterAll(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    it('starts, makes a user and a key, proxies, and writes and reads the usage record', async () => {
      const user = await gw.admin('/users', { method: 'POST', body: JSON.stringify({ email: 'roles@example.com' }) });
      expect(user.status).toBe(201);
      const { user: created } = (await user.json()) as { user: { id: string } };
      const keyRes = await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId: created.id }) });
      expect(keyRes.status).toBe(201);
      const key = (await keyRes.json()) as { id: string; key: string };
      keyId = key.id;
      const proxied = await fetch(`${gw.url}/proxy/hello`, { headers: { 'x-api-key': key.key } });
      expect(proxied.status).toBe(200);
      let requests = 0;
      for (let i = 0; i < 50 && requests === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const usage = await gw.admin(`/usage/${keyId}`);
        expect(usage.status).toBe(200);
        requests = ((await usage.json()) as { totals: { requests: number } }).totals.requests;
      }
      expect(requests).toBe(1);
      // The audit log (append-only) got its rows too.
      expect((await gw.admin('/audit')).status).toBe(200);
      expect(gw.logs()).not.toMatch(/permission denied|must be owner/);
    });

    it('usage maintenance creates and drops daily partitions through the definer functions', async () => {
      const db = await createDatabase({ databaseUrl: urlAs(RUNTIME), dataDir: '/nonexistent', poolSize: 1 });
      try {
        // 40 days on: a week of new partitions ahead, and every partition the migration made is past
        // a 30-day retention.
        const later = Date.now() + 40 * DAY_MS;
        const result = await maintainUsageStorage(db, {
          retentionDays: 30,
          rollupRetentionDays: 400,
          clock: () => later,
        });
        expect(result.ran).toBe(true);
        expect(result.created.length).toBeGreaterThanOrEqual(2 * 8);
        expect(result.dropped.length).toBeGreaterThanOrEqual(2 * 8);
        const { rows } = await db.sql.query<{ owner: string }>(
          `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent IN ('usage_logs'::regclass, 'usage_rollups'::regclass)`,
        );
        expect(rows).toEqual([{ owner: MIGRATOR }]);
        // Nothing else through them: neither another table nor a partition under another name.
        await expect(db.sql.query(`SELECT usage_drop_partition('api_keys')`)).rejects.toThrow(
          /not a daily usage partition/,
        );
        await expect(db.sql.query(`SELECT usage_ensure_partition('api_keys', current_date)`)).rejects.toThrow(
          /not a partitioned usage table/,
        );
        expect(await as(RUNTIME, `SELECT usage_drop_partition('usage_logs_default')`)).toBe('22023');
      } finally {
        await db.close();
      }
    });
  });

  it('refuses DDL to the runtime role (42501: insufficient privilege)', async () => {
    const partition = `usage_logs_p${new Date(Date.now() + 41 * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;
    const attempts = {
      'CREATE TABLE': 'CREATE TABLE intruder (id int)',
      'CREATE FUNCTION': 'CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
      'CREATE VIEW': 'CREATE VIEW intruder AS SELECT 1',
      'ALTER TABLE': 'ALTER TABLE api_keys ADD COLUMN intruder int',
      'DROP TABLE': 'DROP TABLE audit_logs',
      'DROP a partition directly': `DROP TABLE ${partition}`,
      'DETACH a partition': `ALTER TABLE usage_logs DETACH PARTITION ${partition}`,
      TRUNCATE: 'TRUNCATE usage_logs',
      'CREATE INDEX': 'CREATE INDEX intruder ON api_keys (name)',
      'a migration (CREATE TABLE _prisma_migrations)': 'CREATE TABLE _prisma_migrations_copy (id int)',
    };
    const codes: Record<string, string> = {};
    for (const [what, sql] of Object.entries(attempts)) codes[what] = await as(RUNTIME, sql);
    expect(codes).toEqual(Object.fromEntries(Object.keys(attempts).map((k) => [k, '42501'])));
    // … while the migrator may (the same statement, so the refusals above are about the role).
    expect(await as(MIGRATOR, 'CREATE TABLE intruder (id int)')).toBe('ok');
    expect(await as(MIGRATOR, 'DROP TABLE intruder')).toBe('ok');
  });

  it('only the migrator and the runtime role may call the partition functions (not PUBLIC)', async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      for (const fn of ['usage_ensure_partition(text, date)', 'usage_drop_partition(text)']) {
        const { rows } = await admin.query(
          `SELECT has_function_privilege('public', $1, 'EXECUTE') AS public,
                  has_function_privilege($2, $1, 'EXECUTE') AS runtime,
                  p.prosecdef AS definer, pg_get_userbyid(p.proowner) AS owner
             FROM pg_proc p WHERE p.oid = $1::regprocedure`,
          [fn, RUNTIME],
        );
        expect(rows[0], fn).toEqual({ public: false, runtime: true, definer: true, owner: MIGRATOR });
      }
    } finally {
      await admin.end();
    }
  });
});
