#!/usr/bin/env node
// `npm start`: builds what is missing or stale, then runs the gateway (:3001 proxy, :3002 management)
// and the dashboard (:3000) together on embedded defaults — PGlite under ./.data, in-memory rate
// limiting, the demo upstream — unless DATABASE_URL / REDIS_URL / INTERNAL_API_BASE_URL say otherwise.
//
// Stopping (issue 16): npm 11 forwards SIGINT/SIGTERM only to its direct child, which without `exec`
// in the start script is `sh -c` — dash ignored SIGINT and died of SIGTERM, leaving this script, the
// gateway and next-server running. The start script therefore execs this file. Here: the children
// run in process groups of their own and are stopped as groups; SIGINT, SIGTERM and SIGHUP all stop
// everything gracefully; a second signal (a second later or more) kills; if our parent dies without
// signalling (npm on SIGHUP or SIGKILL), we notice it within a second and stop; if we die, the
// children notice (scripts/lib/exit-with-parent.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { busyPorts } from './lib/ports.mjs';
import { PORT_ROLES, readStartConfig } from './lib/start-config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const { ports, names, errors } = readStartConfig(env);
if (errors.length > 0) {
  console.error(`npm start: invalid settings (nothing was started):\n${errors.map((e) => `  - ${e}`).join('\n')}`);
  process.exit(1);
}
const gatewayHost = env.HOST || '0.0.0.0';
const managementHost = env.MANAGEMENT_HOST || gatewayHost;
const dashboardHost = env.DASHBOARD_HOST || '0.0.0.0';
const gatewayUrl = `http://localhost:${ports.proxy}`;
// The dashboard talks to the management listener, never to the proxy's.
const managementUrl = env.GATEWAY_API_URL || `http://localhost:${ports.management}`;
// Without a mail server, sign-in links only reach this terminal, so the quick start can make the
// first admin from a well-known address: whoever reads this terminal could sign in as anyone anyway.
const devMailbox = !env.SMTP_URL && env.NODE_ENV !== 'production';
const adminEmails = env.ADMIN_EMAILS ?? (devMailbox ? 'admin@example.com' : '');
const dashboardOrigin = env.DASHBOARD_ORIGIN || `http://localhost:${ports.dashboard}`;
const dataDir = env.DATA_DIR || './.data';
// Next.js prints a telemetry notice and phones home unless told not to.
const childEnv = { ...env, NEXT_TELEMETRY_DISABLED: '1' };

/** Refuses to start anything while a port is taken, naming the process holding it (issue 16). */
async function checkPorts() {
  const problems = await busyPorts([
    { port: ports.proxy, host: gatewayHost, name: names.proxy, what: PORT_ROLES.proxy },
    { port: ports.management, host: managementHost, name: names.management, what: PORT_ROLES.management },
    { port: ports.dashboard, host: dashboardHost, name: names.dashboard, what: PORT_ROLES.dashboard },
  ]);
  if (problems.length === 0) return;
  console.error(`npm start: nothing was started:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}

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
  const result = spawnSync('npm', args, { cwd: root, stdio: 'inherit', env: childEnv });
  if (result.status !== 0) {
    console.error(`\n${what} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

const stale = (output, ...sources) => newestMtime(output) < Math.max(...sources.map((s) => newestMtime(join(root, s))));

await checkPorts(); // before a build that may take minutes
if (stale(join(root, 'shared/dist'), 'shared/src')) run(['run', 'build', '-w', 'shared'], 'building shared/');
if (stale(join(root, 'gateway/dist'), 'gateway/src', 'gateway/prisma', 'shared/src')) {
  run(['run', 'build', '-w', 'gateway'], 'building gateway/');
}
const dashboardPkg = JSON.parse(readFileSync(join(root, 'dashboard/package.json'), 'utf8'));
const hasDashboard = Boolean(dashboardPkg.scripts?.build && dashboardPkg.scripts?.start);
if (hasDashboard) {
  // The dashboard calls the gateway through @gateway/sdk, which Next bundles from sdk/dist.
  if (stale(join(root, 'sdk/dist'), 'sdk/src', 'shared/src')) run(['run', 'build', '-w', 'sdk'], 'building sdk/');
  const buildId = join(root, 'dashboard/.next/BUILD_ID');
  const sources = [
    'dashboard/app',
    'dashboard/components',
    'dashboard/lib',
    'dashboard/next.config.ts',
    'shared/src',
    'sdk/src',
  ];
  if (!existsSync(buildId) || stale(buildId, ...sources)) {
    run(['run', 'build', '-w', 'dashboard'], 'building dashboard/ (first start takes a minute or two)');
  }
}
await checkPorts(); // and again right before starting: the build took a while

const children = [];
const watchdog = pathToFileURL(join(root, 'scripts/lib/exit-with-parent.mjs')).href;
let stopping;
let firstSignalAt = 0;

/** Sends `signal` to a child's whole process group (next-server and anything else it started). */
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {} // the group is gone already
}

const alive = (child) => child.exitCode === null && child.signalCode === null;

function start(name, args, extraEnv) {
  const child = spawn(process.execPath, ['--import', watchdog, ...args], {
    cwd: root,
    // A process group of its own: a terminal's Ctrl+C reaches only us, and we stop the children in order.
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...childEnv, ...extraEnv },
  });
  children.push(child);
  child.on('exit', (code, signal) => {
    signalGroup(child, 'SIGKILL'); // whatever it started and left behind
    if (stopping) return;
    console.error(`${name} exited (${signal ?? code}); stopping.`);
    stopAll(code || 1);
  });
  return child;
}

/** Stops every child gracefully (the gateway drains and flushes usage), then exits with `code`. */
function stopAll(code) {
  stopping ??= new Promise((resolve) => {
    for (const c of children) if (alive(c)) signalGroup(c, 'SIGTERM');
    const left = children.filter(alive);
    if (left.length === 0) return resolve();
    let count = left.length;
    for (const c of left) c.once('exit', () => --count === 0 && resolve());
    // The gateway drains for up to SHUTDOWN_TIMEOUT_MS (15 s by default), then flushes.
    setTimeout(() => {
      console.error('npm start: children did not stop within 30 s; killing them.');
      for (const c of children) signalGroup(c, 'SIGKILL');
      resolve();
    }, 30_000).unref();
  }).then(() => process.exit(code));
  return stopping;
}

function onSignal(signal) {
  const now = Date.now();
  if (!firstSignalAt) {
    firstSignalAt = now;
    console.error(`\nnpm start: ${signal} received, stopping (send it again to kill at once).`);
    stopAll(0);
    return;
  }
  // A terminal's Ctrl+C reaches npm and us at once, and npm forwards it again: that is one request.
  if (now - firstSignalAt < 1_000) return;
  console.error(`npm start: ${signal} again: killing.`);
  for (const c of children) signalGroup(c, 'SIGKILL');
  process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

// npm does not forward SIGHUP, and nothing is forwarded when it is killed: an orphaned start.mjs
// would keep everything running. Our parent changing means it is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid === parent || stopping) return;
  console.error('npm start: its parent process exited; stopping.');
  stopAll(0);
}, 1_000).unref();

/** Polls `url` until it answers (any status) while `child` is alive; false if it died or took too long. */
async function answers(url, child, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (!alive(child) || stopping) return false;
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      // The port was free before the child started and the child still runs: the answer is its own.
      return alive(child);
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

const local = (host) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
const gateway = start('gateway', ['gateway/dist/index.js'], {
  PORT: String(ports.proxy),
  MANAGEMENT_PORT: String(ports.management),
  DASHBOARD_ORIGIN: dashboardOrigin,
  ADMIN_EMAILS: adminEmails,
});
// A first start creates the embedded database: slow on a busy machine.
if (!(await answers(`http://${local(gatewayHost)}:${ports.proxy}/health`, gateway, 180))) {
  if (!stopping) {
    console.error('The gateway did not become healthy within 3 minutes; see its log above.');
    stopAll(1);
  }
} else {
  let dashboard;
  if (hasDashboard) {
    // The dashboard builds with `output: 'standalone'` (what the image runs), which `next start`
    // does not serve: run its server.js the same way, with the static assets beside it.
    const standalone = join(root, 'dashboard/.next/standalone/dashboard');
    cpSync(join(root, 'dashboard/.next/static'), join(standalone, '.next/static'), { recursive: true });
    if (existsSync(join(root, 'dashboard/public'))) {
      cpSync(join(root, 'dashboard/public'), join(standalone, 'public'), { recursive: true });
    }
    dashboard = start('dashboard', [join(standalone, 'server.js')], {
      GATEWAY_API_URL: managementUrl,
      GATEWAY_PROXY_URL: env.GATEWAY_PROXY_URL || gatewayUrl,
      PORT: String(ports.dashboard),
      HOSTNAME: dashboardHost,
    });
  }
  // The banner comes last, once everything it lists answers, so start output has a stable order.
  const dashboardUp = dashboard
    ? await answers(`http://${local(dashboardHost)}:${ports.dashboard}/`, dashboard, 60)
    : true;
  if (!stopping && dashboardUp) {
    console.log(`
  API Gateway Platform is up
    proxy           ${gatewayUrl}/proxy/…   (what your API's clients call; health: ${gatewayUrl}/health)
    management API  ${managementUrl}   (keys, users, usage, sign-in, /metrics: keep it private)
    ${hasDashboard ? `dashboard       ${dashboardOrigin}` : 'dashboard       not built in this checkout'}
    admin API token ${env.ADMIN_API_TOKEN ? 'ADMIN_API_TOKEN' : `${dataDir}/secrets.json`}   (for scripts and curl: "Authorization: Bearer <token>")
${
  devMailbox
    ? `  Sign in to the dashboard with ${adminEmails || 'your email'}${adminEmails ? ' (an admin)' : ''} or any other address:
  no SMTP_URL is set, so sign-in links are printed in this terminal and saved in ${dataDir}/mailbox/.`
    : '  Sign-in links are mailed through SMTP_URL.'
}
  Press Ctrl+C to stop (or send SIGINT, SIGTERM or SIGHUP to this process: everything stops).
`);
  } else if (!stopping) {
    console.error('The dashboard did not answer within 60 s; see its log above.');
    stopAll(1);
  }
}
