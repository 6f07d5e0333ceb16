import { describe, expect, it } from 'vitest';
import { diffSchemaAgainstMigrations } from '../../src/db/schema-diff.js';

describe('prisma/schema.prisma and prisma/migrations', () => {
  it('describe the same database (a schema change needs a migration: npm run db:new-migration)', async () => {
    const sql = await diffSchemaAgainstMigrations();
    expect(sql.replace(/^--.*$/gm, '').trim()).toBe('');
  }, 60_000);
});
