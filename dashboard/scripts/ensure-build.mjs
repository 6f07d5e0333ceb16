// Before the e2e tests: build what they start, but only when no build exists (a fresh CI clone has
// none). A stale build is not detected: after changing code, run the build scripts yourself.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const dashboard = new URL('..', import.meta.url);
const root = new URL('../..', import.meta.url);

function run(cwd, command, args) {
  console.log(`dashboard e2e: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(new URL('gateway/dist/index.js', root))) {
  run(root, 'npm', ['run', 'build', '-w', 'shared']);
  run(root, 'npm', ['run', 'build', '-w', 'gateway']);
}
if (!existsSync(new URL('.next/BUILD_ID', dashboard))) {
  run(dashboard, 'npx', ['next', 'build']);
}
