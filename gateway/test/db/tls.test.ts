import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client.js';

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
