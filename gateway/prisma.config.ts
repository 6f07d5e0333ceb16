import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (generate). The running gateway never reads this file: it builds its
// own driver adapter (PostgreSQL or embedded PGlite) from the environment in src/db/client.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
