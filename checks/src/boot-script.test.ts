// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell expansions in literal strings.
/**
 * The EC2 boot script (infra/aws/modules/ec2/user-data.sh.tftpl), rendered by Terraform's own
 * templatefile() and run for real: as root, in a private mount namespace whose /etc, /opt and
 * /usr/local/sbin are overlays (nothing reaches the host), with stand-ins for the commands that need
 * an instance — apt-get, snap, systemctl (which runs the unit's ExecStart, and again on failure when
 * the unit says Restart=on-failure), aws (answers get-parameters-by-path) and docker (a registry that
 * can be down for N pulls, or for good). sleep is a stand-in too, so the back-off is recorded, not
 * waited for.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFile, repoPath } from './lib/repo.js';

const b64 = (file: string) => Buffer.from(readRepoFile(file)).toString('base64');
const VARS: Record<string, string> = {
  region: 'eu-central-1',
  ssm_path: '/api-gateway/prod',
  log_group_name: '/api-gateway-prod/containers',
  ghcr_owner: 'example-org',
  app_version: '1.2.3',
  gateway_api_url: 'https://manage.example.com',
  gateway_proxy_url: 'https://api.example.com',
  bind_address: '127.0.0.1',
  management_bind_address: '127.0.0.1',
  gateway_domain: 'api.example.com',
  management_domain: 'manage.example.com',
  dashboard_domain: 'dashboard.example.com',
  management_allowed_ips: '198.51.100.0/24',
  compose_profiles: 'tls',
  compose_prod_b64: b64('deploy/docker-compose.prod.yml'),
  compose_logs_b64: b64('deploy/docker-compose.awslogs.yml'),
  caddyfile_b64: b64('deploy/Caddyfile'),
  compose_database_ca_b64: b64('deploy/docker-compose.database-ca.yml'),
  database_ca_bundle_url: '',
  data_volume_id: 'vol-0123456789abcdef0',
  data_volume_serial: 'vol0123456789abcdef0',
};
// The data volume as udev names it on a Nitro instance (the volume id without its dash).
const DATA_DEVICE = '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0';
const RDS_BUNDLE = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';
// What the stand-in curl serves for RDS's bundle (this machine cannot download the real one).
const BUNDLE = '-----BEGIN CERTIFICATE-----\nMIIstand-in\n-----END CERTIFICATE-----\n';

/** The user data exactly as Terraform renders it (templatefile in `terraform console`, no provider). */
function renderUserData(vars: Record<string, string> = VARS): string {
  const consoleDir = mkdtempSync(join(tmpdir(), 'tf-console-'));
  dirs.push(consoleDir);
  const args = Object.entries(vars)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join(', ');
  const out = execFileSync('terraform', ['console'], {
    input: `base64encode(templatefile(${JSON.stringify(repoPath('infra/aws/modules/ec2/user-data.sh.tftpl'))}, { ${args} }))\n`,
    encoding: 'utf8',
    cwd: consoleDir,
    env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
  });
  return Buffer.from(JSON.parse(out.trim()) as string, 'base64').toString('utf8');
}

// Parameters as SSM returns them (tab-separated); a $ must reach the env file literally.
const PARAMETERS = [
  ['/api-gateway/prod/DATABASE_URL', 'postgres://gateway:pa$$word@db.example.internal:5432/gateway'],
  ['/api-gateway/prod/SESSION_SECRET', 'c2Vzc2lvbi1zZWNyZXQ'],
  ['/api-gateway/prod/LOG_LEVEL', 'info'],
];

const STAND_INS: Record<string, string> = {
  'apt-get': 'echo "apt-get $*" >> "$SIM/calls"',
  snap: 'echo "snap $*" >> "$SIM/calls"',
  sleep: 'echo "$1" >> "$SIM/sleeps"',
  // The data volume: blkid answers 2 (no file system) until mkfs.ext4 made one; mount and mountpoint
  // record instead of mounting.
  blkid: `echo "blkid $*" >> "$SIM/calls"
[ -e "$SIM/blkid-error" ] && exit 1
[ -e "$SIM/filesystem" ] || exit 2`,
  'mkfs.ext4': `echo "mkfs.ext4 $*" >> "$SIM/calls"
touch "$SIM/filesystem"`,
  mount: 'echo "mount $*" >> "$SIM/calls"',
  mountpoint: `echo "mountpoint $*" >> "$SIM/calls"
[ -e "$SIM/mounted" ]`,
  // The CA bundle's server: serves $SIM/bundle, or fails (curl -f's exit 22) while $SIM/bundle-down exists.
  curl: `echo "curl $*" >> "$SIM/calls"
out=
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; *) shift ;; esac; done
[ -e "$SIM/bundle-down" ] && { echo "curl: (22) The requested URL returned error: 503" >&2; exit 22; }
cp "$SIM/bundle" "$out"`,
  aws: `echo "aws $*" >> "$SIM/calls"
[ "$*" = "ssm get-parameters-by-path --region eu-central-1 --path /api-gateway/prod/ --recursive --with-decryption --query Parameters[].[Name,Value] --output text" ] || { echo "unexpected aws call" >&2; exit 2; }
cat "$SIM/parameters"`,
  docker: `echo "docker $*" >> "$SIM/calls"
case " $* " in
  *" pull "*)
    n=$(cat "$SIM/pull-failures")
    if [ "$n" != 0 ]; then
      [ "$n" = always ] || echo $((n - 1)) > "$SIM/pull-failures"
      echo "Error response from daemon: registry unreachable: i/o timeout" >&2
      exit 1
    fi
    touch "$SIM/images"
    ;;
  *" up "*)
    case " $* " in *" --pull never "*) ;; *) echo "up would pull" >&2; exit 3 ;; esac
    [ -e "$SIM/images" ] || { echo "Error: No such image" >&2; exit 1; }
    echo up >> "$SIM/started"
    ;;
esac`,
  // systemd as far as the script uses it: enable --now runs ExecStart; Restart=on-failure runs it again.
  systemctl: `echo "systemctl $*" >> "$SIM/calls"
[ "$1 $2" = "enable --now" ] || exit 0
unit=/etc/systemd/system/$3
[ -f "$unit" ] || exit 0
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
for try in 1 2 3; do
  "$exec_start" && { echo "$3 active" >> "$SIM/units"; exit 0; }
  echo "$3 failed" >> "$SIM/units"
  grep -qx 'Restart=on-failure' "$unit" || exit 1
  [ -e "$SIM/registry-back-after-failure" ] && echo 0 > "$SIM/pull-failures"
done
exit 1`,
};

type Run = {
  status: number | null;
  stderr: string;
  sim: string;
  file: (path: string) => string;
  mode: (path: string) => number;
  lines: (name: string) => string[];
};

let userData = '';
const dirs: string[] = [];

beforeAll(() => {
  userData = renderUserData();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the boot script once; `pullFailures`: how many pulls fail ('always': the registry stays down). */
function boot(options: {
  pullFailures: number | 'always';
  cachedImages?: boolean;
  backAfterFailure?: boolean;
  userData?: string;
  /** What the bundle URL answers: a body, or 'down' (503). */
  bundle?: string | 'down';
  /** A CA bundle already on the instance from an earlier boot. */
  cachedBundle?: string;
  /** The data volume: not attached ('absent'), new ('blank', the default), or from an earlier instance. */
  dataVolume?: 'absent' | 'blank' | 'formatted' | 'unreadable';
}): Run {
  const sim = mkdtempSync(join(tmpdir(), 'boot-sim-'));
  dirs.push(sim);
  const bin = join(sim, 'bin');
  mkdirSync(bin);
  for (const [name, body] of Object.entries(STAND_INS)) {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  writeFileSync(join(sim, 'parameters'), `${PARAMETERS.map((p) => p.join('\t')).join('\n')}\n`);
  writeFileSync(join(sim, 'pull-failures'), String(options.pullFailures));
  if (options.cachedImages) writeFileSync(join(sim, 'images'), '');
  if (options.backAfterFailure) writeFileSync(join(sim, 'registry-back-after-failure'), '');
  writeFileSync(join(sim, 'user-data.sh'), options.userData ?? userData);
  if (options.bundle === 'down') writeFileSync(join(sim, 'bundle-down'), '');
  else writeFileSync(join(sim, 'bundle'), options.bundle ?? BUNDLE);
  const volume = options.dataVolume ?? 'blank';
  if (volume !== 'absent') {
    mkdirSync(join(sim, 'up', '_dev', 'disk', 'by-id'), { recursive: true });
    symlinkSync('/dev/null', join(sim, 'up', '_dev', DATA_DEVICE.slice('/dev/'.length)));
  }
  if (volume === 'formatted') writeFileSync(join(sim, 'filesystem'), '');
  if (volume === 'unreadable') writeFileSync(join(sim, 'blkid-error'), '');
  if (options.cachedBundle !== undefined) {
    mkdirSync(join(sim, 'up', '_opt', 'api-gateway'), { recursive: true });
    writeFileSync(join(sim, 'up', '_opt', 'api-gateway', 'database-ca.pem'), options.cachedBundle, { mode: 0o644 });
  }
  // /dev: the data volume's udev link; /var/lib: its mount point. `mount` itself is a stand-in.
  const overlays = ['/etc', '/opt', '/usr/local/sbin', '/var/lib', '/dev']
    .map((dir) => {
      const name = dir.replaceAll('/', '_');
      return `mkdir -p "$SIM/up/${name}" "$SIM/work/${name}" && /usr/bin/mount -t overlay overlay -o "lowerdir=${dir},upperdir=$SIM/up/${name},workdir=$SIM/work/${name}" ${dir}`;
    })
    .join(' && ');
  const result = spawnSync(
    'unshare',
    ['--mount', '--propagation', 'private', 'bash', '-c', `${overlays} && bash "$SIM/user-data.sh"`],
    { encoding: 'utf8', env: { ...process.env, SIM: sim, PATH: `${bin}:${process.env.PATH}` }, timeout: 60_000 },
  );
  const upper = (path: string) => {
    const [, top, ...rest] = path.split('/');
    if (top === 'usr') return join(sim, 'up', '_usr_local_sbin', ...rest.slice(2));
    if (top === 'var') return join(sim, 'up', '_var_lib', ...rest.slice(1));
    return join(sim, 'up', `_${top}`, ...rest);
  };
  return {
    status: result.status,
    stderr: result.stderr,
    sim,
    file: (path) => readFileSync(upper(path), 'utf8'),
    mode: (path) => statSync(upper(path)).mode & 0o777,
    lines: (name) => {
      try {
        return readFileSync(join(sim, name), 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

describe('the EC2 boot script, run with stand-ins', () => {
  it('with the registry up: writes the Compose files, the env file (root only), and starts the stack', () => {
    const run = boot({ pullFailures: 0 });
    expect(run.stderr).not.toMatch(/unexpected|would pull/);
    expect(run.status).toBe(0);
    expect(run.file('/opt/api-gateway/docker-compose.prod.yml')).toBe(readRepoFile('deploy/docker-compose.prod.yml'));
    expect(run.file('/opt/api-gateway/docker-compose.awslogs.yml')).toBe(
      readRepoFile('deploy/docker-compose.awslogs.yml'),
    );
    expect(run.file('/opt/api-gateway/Caddyfile')).toBe(readRepoFile('deploy/Caddyfile'));
    const dotenv = run.file('/opt/api-gateway/.env');
    expect(dotenv).toContain('APP_VERSION=1.2.3\n');
    expect(dotenv).toContain('COMPOSE_PROFILES=tls\n');
    expect(dotenv).toContain('GATEWAY_ENV_FILE=/etc/api-gateway/gateway.env\n');
    // Every parameter, by its last path element, single-quoted so Compose keeps `$` literal.
    expect(run.file('/etc/api-gateway/gateway.env')).toBe(
      "DATABASE_URL='postgres://gateway:pa$$word@db.example.internal:5432/gateway'\nSESSION_SECRET='c2Vzc2lvbi1zZWNyZXQ'\nLOG_LEVEL='info'\n",
    );
    expect(run.mode('/etc/api-gateway/gateway.env')).toBe(0o600);
    expect(run.mode('/etc/api-gateway')).toBe(0o700);
    expect(run.mode('/usr/local/sbin/api-gateway-refresh')).toBe(0o700);
    const calls = run.lines('calls');
    expect(calls).toContain('apt-get install -y docker.io docker-compose-v2 curl');
    expect(calls).toContain('systemctl enable --now api-gateway.service');
    expect(calls.filter((c) => c.startsWith('docker compose'))).toEqual([
      'docker compose -f docker-compose.prod.yml -f docker-compose.awslogs.yml pull --quiet',
      'docker compose -f docker-compose.prod.yml -f docker-compose.awslogs.yml up -d --remove-orphans --pull never',
    ]);
    expect(run.lines('sleeps')).toEqual([]);
    expect(run.lines('units')).toEqual(['api-gateway.service active']);
  });

  it('rides out a short registry outage with back-off (5 s, doubling)', () => {
    const run = boot({ pullFailures: 3 });
    expect(run.status).toBe(0);
    expect(run.lines('sleeps')).toEqual(['5', '10', '20']);
    expect(run.lines('calls').filter((c) => c.endsWith('pull --quiet'))).toHaveLength(4);
    expect(run.lines('started')).toEqual(['up']);
    expect(run.stderr).toMatch(/image pull failed \(attempt 3 of 6\), retrying in 20s/);
  });

  it('starts from the cached images when the registry stays down (a reboot, a refresh)', () => {
    const run = boot({ pullFailures: 'always', cachedImages: true });
    expect(run.status).toBe(0);
    expect(run.lines('sleeps')).toEqual(['5', '10', '20', '40', '80']);
    expect(run.lines('calls').filter((c) => c.endsWith('pull --quiet'))).toHaveLength(6);
    expect(run.stderr).toMatch(/registry unreachable, starting from the images on this instance/);
    expect(run.lines('started')).toEqual(['up']);
    expect(run.lines('units')).toEqual(['api-gateway.service active']);
  });

  it('on a first boot during an outage, fails the unit and systemd tries again until the registry is back', () => {
    const run = boot({ pullFailures: 'always', backAfterFailure: true });
    expect(run.lines('units')).toEqual(['api-gateway.service failed', 'api-gateway.service active']);
    expect(run.lines('started')).toEqual(['up']);
    expect(run.status).toBe(0);
  });

  it('without database_ca_bundle_url: downloads nothing and leaves the database CA override out', () => {
    const run = boot({ pullFailures: 0 });
    expect(run.lines('calls').filter((c) => c.startsWith('curl'))).toEqual([]);
    expect(() => run.file('/opt/api-gateway/database-ca.pem')).toThrow();
    expect(run.lines('calls').some((c) => c.includes('database-ca'))).toBe(false);
  });
});

describe('the EC2 boot script: the data volume that outlives the instance (Caddy certificates)', () => {
  const volumeCalls = (run: Run) => run.lines('calls').filter((c) => /^(blkid|mkfs\.ext4|mount|mountpoint) /.test(c));

  it('formats a new volume once, mounts it by label (fstab, nofail), and points Caddy at it', () => {
    const run = boot({ pullFailures: 0 });
    expect(run.status).toBe(0);
    expect(volumeCalls(run)).toEqual([
      'mountpoint -q /var/lib/api-gateway',
      `blkid ${DATA_DEVICE}`,
      `mkfs.ext4 -q -L api-gateway ${DATA_DEVICE}`,
      'mount /var/lib/api-gateway',
    ]);
    expect(run.file('/etc/fstab')).toMatch(/^LABEL=api-gateway \/var\/lib\/api-gateway ext4 defaults,nofail 0 2$/m);
    expect(run.file('/opt/api-gateway/.env')).toContain('CADDY_DATA_DIR=/var/lib/api-gateway/caddy-data\n');
    expect(run.lines('started')).toEqual(['up']);
  });

  it('never formats the volume of an earlier instance: it mounts it as it is', () => {
    const run = boot({ pullFailures: 0, dataVolume: 'formatted' });
    expect(run.status).toBe(0);
    expect(volumeCalls(run)).toEqual([
      'mountpoint -q /var/lib/api-gateway',
      `blkid ${DATA_DEVICE}`,
      'mount /var/lib/api-gateway',
    ]);
  });

  it('formats nothing and starts nothing when blkid fails for another reason', () => {
    const run = boot({ pullFailures: 0, dataVolume: 'unreadable' });
    expect(run.status).not.toBe(0);
    expect(volumeCalls(run).some((c) => c.startsWith('mkfs'))).toBe(false);
    expect(run.lines('started')).toEqual([]);
  });

  it('waits for the attachment (5 minutes), then fails the unit rather than keep certificates on the root disk', () => {
    const run = boot({ pullFailures: 0, dataVolume: 'absent' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('data volume vol-0123456789abcdef0 is not attached');
    expect(run.lines('sleeps').slice(0, 60)).toEqual(Array(60).fill('5'));
    expect(run.lines('started')).toEqual([]);
  });

  it('gzipped, the largest variant stays under the 16 KiB EC2 user-data limit (Terraform sends base64gzip)', () => {
    const largest = renderUserData({ ...VARS, database_ca_bundle_url: RDS_BUNDLE });
    expect(Buffer.byteLength(largest)).toBeGreaterThan(16 * 1024 * 0.8); // why it is gzipped
    expect(gzipSync(largest).length).toBeLessThan(16 * 1024 - 2048);
  });
});

describe('the EC2 boot script with database_ca_bundle_url (RDS), run with stand-ins', () => {
  let withCa = '';
  beforeAll(() => {
    withCa = renderUserData({ ...VARS, database_ca_bundle_url: RDS_BUNDLE });
  });
  const composeCalls = (run: Run) => run.lines('calls').filter((c) => c.startsWith('docker compose'));
  const WITH_OVERRIDE =
    'docker compose -f docker-compose.prod.yml -f docker-compose.awslogs.yml -f docker-compose.database-ca.yml';

  it('fetches the bundle, readable by the container user, and starts the stack with the override that mounts it', () => {
    const run = boot({ pullFailures: 0, userData: withCa });
    expect(run.stderr).not.toMatch(/unexpected|would pull/);
    expect(run.status).toBe(0);
    expect(run.lines('calls').filter((c) => c.startsWith('curl'))).toEqual([
      `curl -fsS --retry 4 --retry-all-errors --connect-timeout 10 --max-time 120 -o /opt/api-gateway/database-ca.pem.new ${RDS_BUNDLE}`,
    ]);
    expect(run.file('/opt/api-gateway/database-ca.pem')).toBe(BUNDLE);
    expect(run.mode('/opt/api-gateway/database-ca.pem')).toBe(0o644); // uid 1000 in the container reads it
    expect(() => run.file('/opt/api-gateway/database-ca.pem.new')).toThrow();
    expect(run.file('/opt/api-gateway/docker-compose.database-ca.yml')).toBe(
      readRepoFile('deploy/docker-compose.database-ca.yml'),
    );
    expect(composeCalls(run)).toEqual([
      `${WITH_OVERRIDE} pull --quiet`,
      `${WITH_OVERRIDE} up -d --remove-orphans --pull never`,
    ]);
    expect(run.lines('started')).toEqual(['up']);
  });

  it('keeps the bundle of an earlier boot when the download fails (and says so)', () => {
    const earlier = BUNDLE.replace('stand-in', 'earlier');
    const run = boot({ pullFailures: 0, userData: withCa, bundle: 'down', cachedBundle: earlier });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/database CA bundle download failed; using the earlier copy/);
    expect(run.file('/opt/api-gateway/database-ca.pem')).toBe(earlier);
    expect(composeCalls(run).at(-1)).toBe(`${WITH_OVERRIDE} up -d --remove-orphans --pull never`);
  });

  it('on a first boot without a bundle, starts nothing and fails the unit (systemd retries)', () => {
    const run = boot({ pullFailures: 0, userData: withCa, bundle: 'down' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`cannot fetch the database CA bundle from ${RDS_BUNDLE}`);
    expect(run.lines('units')).toEqual(Array(3).fill('api-gateway.service failed'));
    expect(run.lines('started')).toEqual([]);
    expect(composeCalls(run)).toEqual([]);
  });

  it('refuses a download that is not a PEM bundle (an error page served with 200), keeping nothing of it', () => {
    const run = boot({ pullFailures: 0, userData: withCa, bundle: '<html>captive portal</html>\n' });
    expect(run.status).not.toBe(0);
    expect(() => run.file('/opt/api-gateway/database-ca.pem')).toThrow();
    expect(() => run.file('/opt/api-gateway/database-ca.pem.new')).toThrow();
    expect(run.lines('started')).toEqual([]);
  });
});

describe('the EC2 boot script, odd parameters', () => {
  it('refuses a parameter with a single quote (it would break out of the quoting) and writes no env file', () => {
    const original = PARAMETERS[2]?.[1];
    PARAMETERS[2] = ['/api-gateway/prod/LOG_LEVEL', "info' INJECTED='x"];
    try {
      const run = boot({ pullFailures: 0 });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/LOG_LEVEL contains a single quote/);
      expect(() => run.file('/etc/api-gateway/gateway.env')).toThrow();
      expect(run.lines('started')).toEqual([]);
    } finally {
      PARAMETERS[2] = ['/api-gateway/prod/LOG_LEVEL', original ?? 'info'];
    }
  });
});
