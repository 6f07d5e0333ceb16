// Builds the dashboard before the e2e tests only when no build exists (CI clones start without one).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../.next/BUILD_ID', import.meta.url))) {
  console.log('dashboard: no .next/BUILD_ID, running next build first');
  const result = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
  process.exit(result.status ?? 1);
}
