import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client.js';
import { databaseStartupError } from '../../src/startup-error.js';

// DATABASE_CA_FILE against a real PostgreSQL with TLS: a throwaway server (initdb into a temp directory,
// its certificate signed by a CA made here with openssl) on a random port. The shared PostgreSQL is
// never touched. Skipped only where initdb/postgres/openssl are missing.
const BIN = ['/usr/local/bin', ...['17', '16', '15', '14'].map((v) => `/usr/lib/postgresql/${v}/bin`)].find((dir) =>
  existsSync(join(dir, 'initdb')),
);
const runnable = BIN !== undefined && existsSync('/usr/bin/openssl');
const asRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: then its binaries run as the `postgres` user (spawn's uid/gid). */
function asPostgresUser(): { uid?: number; gid?: number } {
  if (!asRoot) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA (`<name>-ca.pem`) and, when `server` is given, a key and certificate it signed for those names. */
function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    `${name}-ca.key`,
    '-out',
    `${name}-ca.pem`,
    '-subj',
    `/CN=${name} test CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function makeServerCert(dir: string, ca: string): void {
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    `${ca}-ca.pem`,
    '-CAkey',
    `${ca}-ca.key`,
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!runnable)('PostgreSQL over TLS with DATABASE_CA_FILE', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-pgtls-'));
    makeCa(dir, 'right');
    makeCa(dir, 'wrong');
    makeServerCert(dir, 'right');
    if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
    const user = asPostgresUser();
    const initdb = ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync'];
    execFileSync(join(BIN!, 'initdb'), initdb, { stdio: 'ignore', cwd: dir, ...user });
    port = await freePort();
    const args = [
      '-D',
      join(dir, 'data'),
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=localhost',
      '-c',
      'fsync=off',
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${join(dir, 'server.crt')}`,
      '-c',
      `ssl_key_file=${join(dir, 'server.key')}`,
    ];
    server = spawn(join(BIN!, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...user });
    await new Promise<void>((resolve, reject) => {
      let log = '';
      server!.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('ready to accept connections')) resolve();
      });
      server!.once('exit', (code) => reject(new Error(`postgres exited ${code}: ${log}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the gateway's pool with this URL and CA file and reports whether the session uses TLS. */
  async function connect(host: string, ca: 'right' | 'wrong', query = ''): Promise<boolean> {
    const db = await createDatabase({
      databaseUrl: `postgres://postgres@${host}:${port}/postgres${query}`,
      caFile: join(dir, `${ca}-ca.pem`),
      dataDir: dir,
      poolSize: 1,
    });
    try {
      const { rows } = await db.sql.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return rows[0]!.ssl;
    } finally {
      await db.close();
    }
  }

  it('connects over TLS when the server certificate chains to the CA file', async () => {
    expect(await connect('localhost', 'right')).toBe(true);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    await expect(connect('localhost', 'wrong')).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('refuses a certificate for another host name (verify-full, not just verify-ca)', async () => {
    await expect(connect('127.0.0.1', 'right')).rejects.toThrow(/altnames|does not match|hostname/i);
  });

  it('keeps verifying when the URL asks for less (sslmode=no-verify / disable are overridden)', async () => {
    await expect(connect('localhost', 'wrong', '?sslmode=no-verify')).rejects.toThrow(/certificate|verify|signed/i);
    expect(await connect('localhost', 'right', '?sslmode=disable')).toBe(true);
  });

  /** Opens a pool without DATABASE_CA_FILE and answers the error of its first query, if any. */
  async function firstQueryError(url: string): Promise<unknown> {
    const db = await createDatabase({ databaseUrl: url, dataDir: dir, poolSize: 1 });
    try {
      await db.sql.query('SELECT 1');
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await db.close();
    }
  }

  it('without the CA file, sslmode=require fails (pg verifies against public CAs) and the start-up line names DATABASE_CA_FILE', async () => {
    const url = `postgres://postgres@localhost:${port}/postgres?sslmode=require`;
    const error = await firstQueryError(url);
    expect(error).toBeInstanceOf(Error);
    const line = databaseStartupError(error, url).message;
    expect(line).toMatch(
      /^PostgreSQL at DATABASE_URL \(localhost:\d+\/postgres\) presented a TLS certificate that could not be verified \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/,
    );
    expect(line).toContain('Set DATABASE_CA_FILE');
    // With a CA file that is the wrong one, the line says to check that file instead.
    expect(databaseStartupError(error, url, '/etc/ssl/db.pem').message).toContain(
      'Check that DATABASE_CA_FILE (/etc/ssl/db.pem) holds the CA',
    );
  });

  it('names the host-name mismatch when the certificate is for another host', async () => {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const db = await createDatabase({ databaseUrl: url, caFile: join(dir, 'right-ca.pem'), dataDir: dir, poolSize: 1 });
    const error = await db.sql.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e,
    );
    await db.close();
    expect(databaseStartupError(error, url, join(dir, 'right-ca.pem')).message).toMatch(
      /\(ERR_TLS_CERT_ALTNAME_INVALID\).*Use the host name the certificate names in DATABASE_URL\.$/,
    );
  });

  it("libpq's own form works too: sslmode=verify-full&sslrootcert=<file> in the URL, without DATABASE_CA_FILE", async () => {
    const base = `postgres://postgres@localhost:${port}/postgres?sslmode=verify-full&sslrootcert=`;
    expect(await firstQueryError(base + encodeURIComponent(join(dir, 'right-ca.pem')))).toBeUndefined();
    const wrong = await firstQueryError(base + encodeURIComponent(join(dir, 'wrong-ca.pem')));
    expect(String(wrong)).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  // The migration step as the init container and the Compose one-shot run it (the built CLI).
  it('npm run db:migrate (dist/cli/migrate.js): verify-full with DATABASE_CA_FILE, one clear line without it', () => {
    const cli = resolve(import.meta.dirname, '../../dist/cli/migrate.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build -w gateway\` first`);
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [cli], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATA_DIR: dir, ...env },
        timeout: 60_000,
      });
    const url = `postgres://postgres@localhost:${port}/postgres?sslmode=require`;
    const without = run({ DATABASE_URL: url });
    expect(without.status).toBe(1);
    // pg itself may warn first that require means verify-full; then our one line, no stack trace.
    expect(without.stderr.trim().split('\n').at(-1)).toMatch(
      /^PostgreSQL at .* could not be verified .*Set DATABASE_CA_FILE/,
    );
    expect(without.stderr).not.toMatch(/^\s+at /m);
    const withCa = run({ DATABASE_URL: url, DATABASE_CA_FILE: join(dir, 'right-ca.pem') });
    expect(withCa.stderr).toBe('');
    expect(withCa.status).toBe(0);
    expect(JSON.parse(withCa.stdout).msg).toBe('migrations done');
  });

  it('refuses a CA file without a PEM certificate', async () => {
    writeFileSync(join(dir, 'empty-ca.pem'), 'not a certificate\n');
    if (asRoot) chownSync(join(dir, 'empty-ca.pem'), 0, 0);
    await expect(
      createDatabase({
        databaseUrl: `postgres://postgres@localhost:${port}/postgres`,
        caFile: join(dir, 'empty-ca.pem'),
        dataDir: dir,
      }),
    ).rejects.toThrow(/holds no PEM certificate/);
  });
});
