// `npm start` as a supervisor runs it: its own process group, no terminal, stopped by signalling the
// npm process alone (issue 16: SIGINT stopped nothing; SIGTERM ended npm but left start.mjs, the
// gateway and next-server listening). Also: ports checked before anything starts, errors that name
// the variable the user set. The dashboard's build is made by npm start itself when missing (minutes
// the first time); with a build present this file takes about a minute.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from './lib/container.js';
import { REPO_ROOT } from './lib/repo.js';

const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment of a fresh shell: embedded defaults, our ports and DATA_DIR, JSON logs. */
function startEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, LOG_FORMAT: 'json' };
  for (const name of [
    'DATABASE_URL',
    'REDIS_URL',
    'INTERNAL_API_BASE_URL',
    'GATEWAY_PORT',
    'HOST',
    'ADMIN_API_TOKEN',
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Starts `command` detached (a process group of its own, as a supervisor does), collecting its output. */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const proc = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d));
  proc.stderr?.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, output: () => out, exited };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every live descendant of `pid` (from /proc/<pid>/stat's ppid field). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parentOf.set(Number(name), Number(fields[1]));
    } catch {} // exited meanwhile
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const isAlive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(2_000, () => done(false));
  });

describe('npm start, stopped by a signal to the npm process only', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
    it(`${signal} stops the gateway (drained and flushed) and the dashboard, and frees every port`, {
      timeout: 15 * 60_000,
    }, async () => {
      const [port, managementPort, dashboardPort] = (await freePorts(3)) as [number, number, number];
      const run = launch(
        'npm',
        ['start'],
        startEnv({
          PORT: String(port),
          MANAGEMENT_PORT: String(managementPort),
          DASHBOARD_PORT: String(dashboardPort),
        }),
      );
      try {
        await until('"is up"', () => run.output().includes('API Gateway Platform is up'), 14 * 60_000);
        const ports = [port, managementPort, dashboardPort];
        await until('every port to accept', async () => (await Promise.all(ports.map(accepts))).every(Boolean), 60_000);
        const tree = descendants(run.proc.pid!);
        // npm → start.mjs → gateway, dashboard (next-server): at least three processes below npm.
        expect(tree.length).toBeGreaterThanOrEqual(3);

        process.kill(run.proc.pid!, signal);

        // Before: SIGINT left everything up (37 s and counting); SIGTERM orphaned start.mjs and both servers.
        await until('every process to exit', () => tree.every((pid) => !isAlive(pid)), 60_000);
        for (const p of ports) expect(await accepts(p)).toBe(false);
        expect(run.output()).toMatch(/"msg":"stopped"/); // the gateway drained and flushed its usage buffer
        const exit = await run.exited;
        if (signal === 'SIGINT' || signal === 'SIGTERM') expect(exit).toEqual({ code: 0, signal: null });
      } finally {
        try {
          process.kill(-run.proc.pid!, 'SIGKILL');
        } catch {}
        for (const pid of descendants(run.proc.pid!)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
      }
    });
  }
});

describe('npm start before it starts anything', () => {
  let holder: Server | undefined;
  afterAll(() => holder?.close());

  it('refuses a port that is taken, naming the process holding it, instead of reporting someone else "up"', async () => {
    const [port, managementPort, dashboardPort] = (await freePorts(3)) as [number, number, number];
    // A stale gateway: it even answers /health, which the old start script took as its own.
    holder = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => holder!.listen(port, '0.0.0.0', r));
    const dir = mkdtempSync(join(tmpdir(), 'npm-start-busy-'));
    const run = launch(
      process.execPath,
      ['scripts/start.mjs'],
      startEnv({
        PORT: String(port),
        MANAGEMENT_PORT: String(managementPort),
        DASHBOARD_PORT: String(dashboardPort),
        DATA_DIR: dir,
      }),
    );
    const exit = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 20_000))]);
    try {
      process.kill(-run.proc.pid!, 'SIGKILL'); // only if it did start something
    } catch {}
    expect(exit).toEqual({ code: 1, signal: null });
    expect(run.output()).not.toContain('is up');
    expect(run.output()).toContain(`port ${port} (PORT, the gateway's proxy) is in use by process ${process.pid}`);
    expect(readdirSync(dir)).toEqual([]); // no gateway ever opened this DATA_DIR
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the variable the user set: GATEWAY_PORT is an alias of PORT', async () => {
    const run = launch(process.execPath, ['scripts/start.mjs'], startEnv({ GATEWAY_PORT: 'abc', DASHBOARD_PORT: '0' }));
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    // Before: "PORT Invalid input", a variable the user never set.
    expect(run.output()).toContain('GATEWAY_PORT must be a port number from 1 to 65535');
    expect(run.output()).toContain('DASHBOARD_PORT must be a port number from 1 to 65535');
    expect(run.output()).not.toMatch(/^\s*- PORT /m);
  });
});
