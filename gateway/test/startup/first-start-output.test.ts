// What the person running `npm start` sees on a first start: in a terminal (pretty logs) the generated
// admin API token and each sign-in link once, as text; under a supervisor (JSON logs), whose stdout is
// a log others keep, no admin token (it stays in DATA_DIR/secrets.json) and each link once, inside the
// mail's JSON log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const ENTRY = join(import.meta.dirname, '../../dist/index.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

let child: ChildProcess | undefined;
let dataDir: string | undefined;
beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build -w gateway\` first`);
});
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Starts the built gateway with `LOG_FORMAT`, asks for a sign-in link, returns stdout once the mail is out. */
async function signInOutput(format: 'json' | 'pretty'): Promise<string> {
  // A fresh DATA_DIR: the gateway generates the admin token and secrets.json on this start.
  dataDir = await mkdtemp(join(tmpdir(), 'gw-mail-output-'));
  const [port, managementPort] = [await freePort(), await freePort()];
  child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      LOG_FORMAT: format,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      if (child!.exitCode !== null) throw new Error(`gateway exited while waiting for ${what}:\n${stdout}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until('the gateway to listen', () => stdout.includes('gateway listening'));
  const res = await fetch(`http://127.0.0.1:${managementPort}/auth/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com' }),
  });
  expect(res.status).toBe(202);
  await until('the mail', () => stdout.includes('mail written') && /auth\/verify#/.test(stdout));
  await new Promise((r) => setTimeout(r, 300)); // the readable copy follows the log line
  return stdout;
}

const links = (text: string) => text.match(/https?:\/\/[^\s"\\]+\/auth\/verify#[^\s"\\]+/g) ?? [];

const adminToken = async () =>
  (JSON.parse(await readFile(join(dataDir!, 'secrets.json'), 'utf8')) as { adminApiToken: string }).adminApiToken;

describe('a first start on the embedded defaults', () => {
  it('in a terminal (pretty logs) shows the admin token, and a sign-in link once, as text', async () => {
    const stdout = await signInOutput('pretty');
    expect(stdout).toContain(`Admin API token (generated now; kept in`);
    expect(stdout).toContain(await adminToken());
    // Before: the log line carried the text too, so the link was printed twice.
    expect(links(stdout)).toHaveLength(1);
    expect(stdout).toContain('Mail to ada@example.com');
  });

  it('under a supervisor (JSON logs) logs no admin token, and a sign-in link once, inside its JSON log line', async () => {
    const stdout = await signInOutput('json');
    // Before: the token was printed in plain text among the JSON lines, into whatever keeps the log.
    expect(stdout).not.toContain(await adminToken());
    expect(stdout).toContain(`admin API token generated: read it from ${join(dataDir!, 'secrets.json')}`);
    // Before: a readable copy ("Mail to …" and the indented text) was also written between the JSON lines.
    expect(stdout).not.toContain('Mail to ada@example.com');
    expect(links(stdout)).toHaveLength(1);
    const line = stdout.split('\n').find((l) => l.includes('mail written'));
    const mail = JSON.parse(line ?? '') as { to: string; text?: string };
    expect(mail.to).toBe('ada@example.com');
    expect(links(mail.text ?? '')).toHaveLength(1);
  });
});
