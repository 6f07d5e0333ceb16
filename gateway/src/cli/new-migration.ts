// `npm run db:new-migration -w gateway -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// with the SQL that brings the existing migrations up to prisma/schema.prisma. Offline: see
// src/db/schema-diff.ts. Review the SQL before committing it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../db/migrate.js';
import { diffSchemaAgainstMigrations } from '../db/schema-diff.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:new-migration -w gateway -- <snake_case_name>');
  process.exit(2);
}
const sql = await diffSchemaAgainstMigrations();
if (sql.replace(/^--.*$/gm, '').trim() === '') {
  console.log('schema.prisma matches the migrations: nothing to do.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'migration.sql'), `${sql}\n`);
console.log(`wrote ${join(dir, 'migration.sql')}`);
