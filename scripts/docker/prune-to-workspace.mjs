// Keeps in node_modules only what one workspace needs at run time: the closure of its `dependencies`
// (and of the workspaces it depends on), following Node's module resolution from each package's own
// folder, with the optional and peer dependencies that are installed. Everything else goes, as do the
// other workspaces' links. Used by gateway/Dockerfile after `npm ci --omit=dev --workspace gateway`,
// which still installs the other workspaces' production dependencies (the dashboard's React, Radix,
// visx, d3…) at the top of a workspaces tree.
//   node scripts/docker/prune-to-workspace.mjs gateway
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = process.cwd();
const workspace = process.argv[2];
if (!workspace) throw new Error('usage: prune-to-workspace.mjs <workspace folder>');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The folder `name` resolves to from `from` (Node's node_modules lookup), or null when not installed. */
function resolve(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return null;
  }
}

const keep = new Set(); // real paths of the package folders the workspace needs
const queue = [join(root, workspace)];
while (queue.length > 0) {
  const dir = queue.pop();
  const real = realpathSync(dir);
  if (keep.has(real)) continue;
  keep.add(real);
  const pkg = readJson(join(dir, 'package.json'));
  const required = Object.keys(pkg.dependencies ?? {});
  const ifInstalled = [...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  for (const name of required) {
    const found = resolve(name, real);
    if (!found) throw new Error(`${pkg.name}: dependency ${name} is not installed`);
    queue.push(found);
  }
  for (const name of ifInstalled) {
    const found = resolve(name, real);
    if (found) queue.push(found);
  }
}

let removed = 0;
/** Removes every package folder under `modules` that nothing kept lives in. */
function prune(modules) {
  if (!existsSync(modules)) return;
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(modules, entry.name);
    if (entry.name.startsWith('@') && entry.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    const real = realpathSync(path);
    const needed = [...keep].some((k) => k === real || k.startsWith(`${real}/`));
    if (!needed) {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } else if (!entry.isSymbolicLink()) {
      prune(join(path, 'node_modules'));
    }
  }
}
prune(join(root, 'node_modules'));
for (const dir of readdirSync(root, { withFileTypes: true })) {
  if (dir.isDirectory() && existsSync(join(root, dir.name, 'node_modules')))
    prune(join(root, dir.name, 'node_modules'));
}
console.log(`prune-to-workspace ${workspace}: kept ${keep.size} packages, removed ${removed}`);
