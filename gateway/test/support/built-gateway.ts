// The built gateway (`node dist/index.js`) as its own process, for tests of what a person running it
// sees: its stdout, its start-up lines. One process at a time per test file; `stop()` after each test.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ENTRY = join(import.meta.dirname, '../../dist/index.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface BuiltGateway {
  child: ChildProcess;
  dataDir: string;
  managementPort: number;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Waits (up to 60 s) until `done()`; fails with the output so far if the process exits first. */
  until(what: string, done: () => boolean): Promise<void>;
}

let running: { child: ChildProcess; dataDir: string } | undefined;

/**
 * Starts the built gateway on free ports with a fresh DATA_DIR (so a first start), only PATH from the
 * test's environment plus `env`, and resolves once it logs that it listens.
 */
export async function startBuiltGateway(env: Record<string, string>): Promise<BuiltGateway> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build -w gateway\` first`);
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-built-'));
  const [port, managementPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = { child, dataDir };
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      if (child.exitCode !== null) throw new Error(`gateway exited while waiting for ${what}:\n${stdout}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until('the gateway to listen', () => stdout.includes('gateway listening'));
  return { child, dataDir, managementPort, stdout: () => stdout, until };
}

/** Stops the gateway startBuiltGateway started last (SIGTERM, waits for it) and removes its DATA_DIR. */
export async function stopBuiltGateway(): Promise<void> {
  const last = running;
  running = undefined;
  if (!last) return;
  if (last.child.exitCode === null) {
    const exited = new Promise((r) => last.child.once('exit', r));
    last.child.kill('SIGTERM');
    await exited;
  }
  await rm(last.dataDir, { recursive: true, force: true });
}
