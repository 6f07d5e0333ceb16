// Runs a replayed image's CMD and HEALTHCHECK as host processes, the way `docker run` would start them:
// cwd = WORKDIR, environment = the image's ENV plus what the caller passes (`docker run -e`).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { baseEnvironment, type ReplayedImage } from './docker-replay.js';

export interface RunningContainer {
  child: ChildProcess;
  /** Everything the process printed so far (the last 64 KiB). */
  output(): string;
  /** Sends the signal and resolves with how the process ended (or rejects after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function containerEnvironment(image: ReplayedImage, env: Record<string, string>): Record<string, string> {
  const home = join(image.root, 'home', 'node');
  mkdirSync(home, { recursive: true });
  return { ...baseEnvironment(home), ...image.env, ...env };
}

export function startContainer(image: ReplayedImage, env: Record<string, string>, argv = image.cmd): RunningContainer {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty CMD');
  const child = spawn(file, args, {
    cwd: image.cwd,
    env: containerEnvironment(image, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = sleep(timeoutMs).then(() => {
        child.kill('SIGKILL');
        throw new Error(`process did not exit within ${timeoutMs} ms of ${signal}\n${output.slice(-4000)}`);
      });
      return Promise.race([exited, timer]);
    },
  };
}

/** Runs a one-off command in the image (the HEALTHCHECK, the migration CLI) and returns its exit code. */
export function runInContainer(
  image: ReplayedImage,
  env: Record<string, string>,
  argv: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  const container = startContainer(image, env, argv);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      container.child.kill('SIGKILL');
      reject(new Error(`\`${argv.join(' ')}\` did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    container.child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: container.output() });
    });
  });
}

/** Polls the image's HEALTHCHECK command until it exits 0, as Docker does during the start period. */
export async function waitUntilHealthy(
  image: ReplayedImage,
  env: Record<string, string>,
  container: RunningContainer,
  timeoutMs = 60_000,
): Promise<void> {
  if (!image.healthcheck) throw new Error('the image has no HEALTHCHECK');
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (container.child.exitCode !== null) {
      throw new Error(`the process exited (${container.child.exitCode}) before it was healthy:\n${container.output()}`);
    }
    const result = await runInContainer(image, env, image.healthcheck, 10_000);
    if (result.code === 0) return;
    last = result.output;
    await sleep(500);
  }
  throw new Error(`HEALTHCHECK still failing after ${timeoutMs} ms: ${last}\n${container.output().slice(-4000)}`);
}

/** A port that was free a moment ago (the process under test binds it, as `-p` would). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** `count` distinct ports that were free a moment ago (all held open together, so none repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.on('error', reject);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'));
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
