// What the person running `npm start` sees on a first start: in a terminal (pretty logs) the generated
// admin API token and each sign-in link once, as text; under a supervisor (JSON logs), whose stdout is
// a log others keep, no admin token (it stays in DATA_DIR/secrets.json) and each link once, inside the
// mail's JSON log line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBuiltGateway, stopBuiltGateway } from '../support/built-gateway.js';

let dataDir: string | undefined;
afterEach(stopBuiltGateway);

/** Starts the built gateway with `LOG_FORMAT`, asks for a sign-in link, returns stdout once the mail is out. */
async function signInOutput(format: 'json' | 'pretty'): Promise<string> {
  // A fresh DATA_DIR: the gateway generates the admin token and secrets.json on this start.
  const gw = await startBuiltGateway({ LOG_FORMAT: format });
  dataDir = gw.dataDir;
  const res = await fetch(`http://127.0.0.1:${gw.managementPort}/auth/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com' }),
  });
  expect(res.status).toBe(202);
  await gw.until('the mail', () => gw.stdout().includes('mail written') && /auth\/verify#/.test(gw.stdout()));
  await new Promise((r) => setTimeout(r, 300)); // the readable copy follows the log line
  return gw.stdout();
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
