// Runs wrk with bench/wrk/bench.lua and returns its JSON summary.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './processes.mjs';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'wrk', 'bench.lua');

/** Installs wrk from Debian if it is missing. */
export function ensureWrk() {
  if (spawnSync('which', ['wrk']).status === 0) return;
  console.log('wrk not found: installing it from Debian (apt-get install -y wrk)…');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) => spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit' });
  let r = run(['apt-get', 'install', '-y', 'wrk']);
  if (r.status !== 0) {
    run(['apt-get', 'update']);
    r = run(['apt-get', 'install', '-y', 'wrk']);
  }
  if (r.status !== 0 || spawnSync('which', ['wrk']).status !== 0) {
    throw new Error('could not install wrk; install it (apt-get install wrk) and run again');
  }
}

export function wrkVersion() {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const line = (r.stdout || r.stderr).split('\n')[0].trim();
  // "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer" → "wrk 4.1.0"
  const version = /(\d+\.\d+\.\d+)/.exec(line)?.[1];
  return version ? `wrk ${version}` : line;
}

/**
 * One wrk run. Only ever aimed at 127.0.0.1 (asserted). The API key travels in the environment.
 * Returns { requests, durationUs, bytes, …errors, p50Us, p99Us, rps, mbps }.
 */
export function runWrk({ url, connections, threads = 2, durationS, cpus, apiKey, delayMs = 0, timeoutS = 30 }) {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`refusing to send load to ${url}`);
  const args = [
    '-t',
    String(Math.min(threads, connections)),
    '-c',
    String(connections),
    '-d',
    `${durationS}s`,
    '--timeout',
    `${timeoutS}s`,
    '-s',
    SCRIPT,
    url,
  ];
  const argv = cpus === undefined ? ['wrk', ...args] : ['taskset', '-c', cpus, 'wrk', ...args];
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(argv[0], argv.slice(1), {
        env: { ...process.env, BENCH_API_KEY: apiKey ?? '', BENCH_DELAY_MS: String(delayMs) },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}):\n${out}`));
      const r = JSON.parse(line.slice('BENCH_JSON '.length));
      const seconds = r.durationUs / 1e6;
      r.rps = r.requests / seconds;
      r.mbps = r.bytes / seconds / 1e6;
      r.errors = r.connectErrors + r.readErrors + r.writeErrors + r.statusErrors + r.timeouts;
      resolve(r);
    });
  });
}
