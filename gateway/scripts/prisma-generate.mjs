// Runs `prisma generate` without network access. The Prisma CLI downloads its native schema engine
// on start-up unless PRISMA_SCHEMA_ENGINE_BINARY names one; `generate` itself never calls that
// engine (the client is generated from the WebAssembly build), so a stub that refuses to run is
// enough. Anything that really needs the engine (migrate dev, db push) fails loudly instead.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stub = join(root, 'node_modules', '.cache', 'schema-engine-stub');

if (!existsSync(stub)) {
  mkdirSync(dirname(stub), { recursive: true });
  writeFileSync(
    stub,
    '#!/bin/sh\necho "schema engine stub: use src/db/migrate.ts (npm run db:migrate) instead" >&2\nexit 1\n',
  );
  chmodSync(stub, 0o755);
}

const prismaBin = join(root, '..', 'node_modules', '.bin', 'prisma');
const result = spawnSync(prismaBin, ['generate', ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: stub,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
if (result.status !== 0) {
  process.stdout.write(result.stdout ?? '');
  process.exit(result.status ?? 1);
}
