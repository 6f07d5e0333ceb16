import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/client.js';
import { createMailer } from '../../src/mail/mailer.js';
import { resolveSecrets } from '../../src/secrets.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

// vitest runs each file in a forked process (pool: 'forks'), so this umask stays in this file.
describe('DATA_DIR under umask 000', () => {
  let root: string;
  let previous: number;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gw-umask-'));
    previous = process.umask(0);
  });
  afterEach(async () => {
    process.umask(previous);
    await rm(root, { recursive: true, force: true });
  });

  it('creates DATA_DIR and the dev mailbox 0700, secrets.json and mails 0600', async () => {
    const dataDir = join(root, 'nested', 'data');
    const { config } = await resolveSecrets(parseConfig({ DATA_DIR: dataDir }));
    const mail = { to: 'a@example.com', subject: 's', text: 't', html: '<p>t</p>' };
    await createMailer(config, pino({ level: 'silent' })).send(mail);

    expect((await mode(join(root, 'nested'))).toString(8)).toBe('700');
    expect((await mode(dataDir)).toString(8)).toBe('700');
    expect((await mode(join(dataDir, 'secrets.json'))).toString(8)).toBe('600');
    expect((await mode(join(dataDir, 'mailbox'))).toString(8)).toBe('700');
    const [file] = await readdir(join(dataDir, 'mailbox'));
    expect((await mode(join(dataDir, 'mailbox', file!))).toString(8)).toBe('600');
  });

  it('creates DATA_DIR and the embedded database 0700 when the secrets come from the environment', async () => {
    const dataDir = join(root, 'data');
    const db = await createDatabase({ dataDir });
    await db.close();
    expect((await mode(dataDir)).toString(8)).toBe('700');
    expect((await mode(join(dataDir, 'pglite'))).toString(8)).toBe('700');
  });
});
