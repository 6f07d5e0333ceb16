#!/usr/bin/env node
// `npm start`: builds what is missing or stale, then runs the gateway (:3001) and the dashboard
// (:3000) together on embedded defaults — PGlite under ./.data, in-memory rate limiting, the demo
// upstream — unless DATABASE_URL / REDIS_URL / INTERNAL_API_BASE_URL say otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gatewayPort = process.env.GATEWAY_PORT ?? '3001';
const managementPort = process.env.MANAGEMENT_PORT ?? '3002';
const dashboardPort = process.env.DASHBOARD_PORT ?? '3000';
const gatewayUrl = `http://localhost:${gatewayPort}`;
// The dashboard talks to the management listener, never to the proxy's.
const managementUrl = process.env.GATEWAY_API_URL ?? `http://localhost:${managementPort}`;
// Without a mail server, sign-in links only reach this terminal, so the quick start can make the
// first admin from a well-known address: whoever reads this terminal could sign in as anyone anyway.
const devMailbox = !process.env.SMTP_URL && process.env.NODE_ENV !== 'production';
const adminEmails = process.env.ADMIN_EMAILS ?? (devMailbox ? 'admin@example.com' : '');
const dashboardOrigin = process.env.DASHBOARD_ORIGIN ?? `http://localhost:${dashboardPort}`;

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === '.next' || entry === 'dist' || entry === 'generated') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function run(args, what) {
  console.log(`> ${what}`);
  const result = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${what} failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

const stale = (output, ...sources) => newestMtime(output) < Math.max(...sources.map((s) => newestMtime(join(root, s))));

if (stale(join(root, 'shared/dist'), 'shared/src')) run(['run', 'build', '-w', 'shared'], 'building shared/');
if (stale(join(root, 'gateway/dist'), 'gateway/src', 'gateway/prisma', 'shared/src')) {
  run(['run', 'build', '-w', 'gateway'], 'building gateway/');
}
const dashboardPkg = JSON.parse(readFileSync(join(root, 'dashboard/package.json'), 'utf8'));
const hasDashboard = Boolean(dashboardPkg.scripts?.build && dashboardPkg.scripts?.start);
if (hasDashboard) {
  const buildId = join(root, 'dashboard/.next/BUILD_ID');
  const sources = ['dashboard/app', 'dashboard/components', 'dashboard/lib', 'dashboard/next.config.ts', 'shared/src'];
  if (!existsSync(buildId) || stale(buildId, ...sources)) {
    run(['run', 'build', '-w', 'dashboard'], 'building dashboard/ (first start takes a minute or two)');
  }
}

const children = [];
function start(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (shuttingDown) return;
    console.error(`${name} exited (${signal ?? code}); stopping.`);
    stopAll(code ?? 1);
  });
  return child;
}

let shuttingDown = false;
function stopAll(code) {
  shuttingDown = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  let left = children.filter((c) => c.exitCode === null).length;
  if (left === 0) process.exit(code);
  for (const c of children) c.once('exit', () => --left === 0 && process.exit(code));
  setTimeout(() => process.exit(code), 20_000).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

start('gateway', ['gateway/dist/index.js'], {
  PORT: gatewayPort,
  MANAGEMENT_PORT: managementPort,
  DASHBOARD_ORIGIN: dashboardOrigin,
  ADMIN_EMAILS: adminEmails,
});

async function waitForGateway() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${gatewayPort}/health`)).ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

if (await waitForGateway()) {
  if (hasDashboard) {
    // The dashboard builds with `output: 'standalone'` (what the image runs), which `next start`
    // does not serve: run its server.js the same way, with the static assets beside it.
    const standalone = join(root, 'dashboard/.next/standalone/dashboard');
    cpSync(join(root, 'dashboard/.next/static'), join(standalone, '.next/static'), { recursive: true });
    if (existsSync(join(root, 'dashboard/public'))) {
      cpSync(join(root, 'dashboard/public'), join(standalone, 'public'), { recursive: true });
    }
    start('dashboard', [join(standalone, 'server.js')], {
      GATEWAY_API_URL: managementUrl,
      GATEWAY_PROXY_URL: process.env.GATEWAY_PROXY_URL ?? gatewayUrl,
      PORT: dashboardPort,
      HOSTNAME: process.env.DASHBOARD_HOST ?? '0.0.0.0',
    });
  }
  console.log(`
  API Gateway Platform is up
    proxy           ${gatewayUrl}/proxy/…   (what your API's clients call; health: ${gatewayUrl}/health)
    management API  ${managementUrl}   (keys, users, usage, sign-in, /metrics: keep it private)
    ${hasDashboard ? `dashboard       ${dashboardOrigin}` : 'dashboard       not built in this checkout'}
${
  devMailbox
    ? `  Sign in to the dashboard with ${adminEmails || 'your email'}${adminEmails ? ' (an admin)' : ''} or any other address:
  no SMTP_URL is set, so sign-in links are printed in this terminal and saved in .data/mailbox/.`
    : '  Sign-in links are mailed through SMTP_URL.'
}
  Press Ctrl+C to stop.
`);
} else {
  console.error('The gateway did not become healthy within 60 s; see its log above.');
  stopAll(1);
}
