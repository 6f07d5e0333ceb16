import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DASHBOARD_DIR, STACK_ENV, type Stack, startStack } from './support/servers';

/**
 * Builds what is missing or older than its sources (scripts/ensure-build.mjs), then starts the real
 * gateway (embedded mode, both listeners, dev mailbox) and the real dashboard, wired to each other on
 * free ports. Returns the teardown that stops both.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!process.env.E2E_SKIP_BUILD) {
    const build = spawnSync(process.execPath, [path.join(DASHBOARD_DIR, 'scripts', 'ensure-build.mjs')], {
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('building the gateway or the dashboard failed (see above)');
  }

  const { stop, ...stack } = await startStack();
  process.env[STACK_ENV] = JSON.stringify(stack satisfies Stack);
  return stop;
}
