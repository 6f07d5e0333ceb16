// Before the e2e tests: build what they start when it is missing or older than its sources (a fresh
// clone has no build; a pull or an edit makes one stale). Compares file modification times only, so
// it costs milliseconds when nothing changed. E2E_FORCE_BUILD=1 rebuilds regardless.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const dashboard = path.resolve(import.meta.dirname, '..');
const root = path.resolve(dashboard, '..');
const SKIP = new Set(['node_modules', '.next', 'dist', 'test-results', 'e2e', '.turbo']);
const force = Boolean(process.env.E2E_FORCE_BUILD);

function run(cwd, command, args) {
  console.log(`dashboard e2e: ${command} ${args.join(' ')}`);
  // Next's telemetry banner is noise in test output (and nothing here may call home).
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const result = spawnSync(command, args, { stdio: 'inherit', cwd, env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * The newest modification time under the given paths: files, and folders too, whose time changes when
 * an entry is added, renamed or deleted (a deleted page must also trigger a build).
 */
function newest(paths) {
  let latest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(p)) if (!SKIP.has(entry)) visit(path.join(p, entry));
    }
  };
  for (const p of paths) visit(p);
  return latest;
}

function stale(artifact, sources) {
  if (force || !existsSync(artifact)) return true;
  return newest(sources) > statSync(artifact).mtimeMs;
}

const shared = [path.join(root, 'shared', 'src'), path.join(root, 'shared', 'package.json')];
const gatewayBuild = path.join(root, 'gateway', 'dist', 'index.js');
if (
  stale(gatewayBuild, [
    ...shared,
    path.join(root, 'gateway', 'src'),
    path.join(root, 'gateway', 'prisma'),
    path.join(root, 'gateway', 'package.json'),
  ])
) {
  run(root, 'npm', ['run', 'build', '-w', 'shared']);
  run(root, 'npm', ['run', 'build', '-w', 'gateway']);
}

// The dashboard calls the gateway through @gateway/sdk, which Next bundles from sdk/dist.
const sdk = [path.join(root, 'sdk', 'src'), path.join(root, 'sdk', 'package.json')];
if (stale(path.join(root, 'sdk', 'dist', 'index.js'), [...shared, ...sdk])) {
  if (!existsSync(path.join(root, 'shared', 'dist'))) run(root, 'npm', ['run', 'build', '-w', 'shared']);
  run(root, 'npm', ['run', 'build', '-w', 'sdk']);
}

const dashboardBuild = path.join(dashboard, '.next', 'BUILD_ID');
if (
  stale(dashboardBuild, [
    ...shared,
    ...sdk,
    ...['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json', 'postcss.config.mjs'].map((p) =>
      path.join(dashboard, p),
    ),
  ])
) {
  if (!existsSync(path.join(root, 'shared', 'dist'))) run(root, 'npm', ['run', 'build', '-w', 'shared']);
  run(dashboard, 'npx', ['next', 'build']);
}
