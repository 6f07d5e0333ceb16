// Child processes of the benchmark and everything that must be undone when it ends — normally, on
// an error, or on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

const cleanups = [];
const live = new Set();
let cleaning;

/** Registers `fn` to run at the end (last registered runs first). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Tracks a short-lived child (a wrk run) so that Ctrl-C or a crash also stops it. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Runs every cleanup once; safe to call more than once. */
export function cleanup() {
  cleaning ??= (async () => {
    for (const child of live) if (child.spawnargs.includes('wrk')) child.kill('SIGKILL');
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup step failed: ${err.message}`);
      }
    }
  })();
  return cleaning;
}

let interrupted = false;
/** True once Ctrl-C (or SIGTERM/SIGHUP) asked us to stop: errors after that are expected. */
export const wasInterrupted = () => interrupted;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping processes and cleaning up…`);
    cleanup().finally(() => process.exit(130));
  });
}
// Last resort if we exit without cleaning up (a crash): no child may outlive the benchmark.
process.on('exit', () => {
  for (const child of live) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
});

/**
 * Starts `command args` pinned to `cpus` (taskset), output to `logFile`. The child gets a process
 * group of its own so Ctrl-C reaches only us and we stop it in order (the gateway flushes on SIGTERM).
 */
export function startProcess(name, command, args, { cpus, env, logFile }) {
  const out = openSync(logFile, 'a');
  const argv = cpus === undefined ? [command, ...args] : ['taskset', '-c', cpus, command, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
    detached: true,
  });
  live.add(child);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const proc = {
    name,
    pid: child.pid,
    logFile,
    exited,
    get running() {
      return live.has(child);
    },
    /** SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 5_000) {
      if (!live.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  onCleanup(() => proc.stop(20_000));
  return proc;
}

/** Re-pins every thread of a running process (e.g. the upstream between direct and proxied runs). */
export function pin(pid, cpus) {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset failed: ${r.stderr}`);
}

const CLK_TCK = 100; // USER_HZ: 100 on every Linux we run on (getconf CLK_TCK)

/** User + system CPU time of a process (all threads) in microseconds, from /proc/<pid>/stat. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1e6) / CLK_TCK;
}

/** Resident set size in bytes, from /proc/<pid>/status (0 once the process is gone). */
export function rssBytes(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Pids of processes whose command name is one of `names` (Redis and PostgreSQL, for their CPU share). */
export function pidsByName(names) {
  const r = spawnSync('pgrep', ['-d', ' ', '-x', names.join('|')], { encoding: 'utf8' });
  return r.stdout.trim() ? r.stdout.trim().split(' ').map(Number) : [];
}

/** Summed CPU of processes that may come and go (PostgreSQL backends): unreadable ones count 0. */
export function cpuMicrosOf(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += cpuMicros(pid);
    } catch {}
  }
  return sum;
}

/** Polls `url` until it answers 2xx (or `timeoutMs` passes). */
export async function waitForHttp(url, { timeoutMs = 30_000, headers, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (proc && !proc.running) throw new Error(`${proc.name} exited during start-up; see ${proc.logFile}`);
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})${proc ? `; see ${proc.logFile}` : ''}`);
}
