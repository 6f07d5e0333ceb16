// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose, GitHub Actions and Terraform syntax in literal strings.
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type ComposeFile,
  type ComposeService,
  dependenciesOf,
  environmentOf,
  interpolate,
  interpolateTree,
  parseCompose,
  publishedPorts,
  stringLeaves,
  variableReferences,
} from './lib/compose.js';
import { composeSchemaErrors } from './lib/compose-schema.js';
import { commandOf, lastOf, parseDockerfile } from './lib/dockerfile.js';
import { parseNginxConf } from './lib/nginx-conf.js';
import { existsInRepo, gatewayConfigDefault, gatewayConfigKeys, isGitIgnored, readRepoFile } from './lib/repo.js';
import { looksLikeSecretValue } from './lib/secret-scan.js';

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL/i;

function dotenv(relative: string): Record<string, string> {
  return parseEnv(readRepoFile(relative)) as Record<string, string>;
}

function healthcheckPath(dockerfile: string): string {
  const hc = lastOf(parseDockerfile(readRepoFile(dockerfile)).final, 'HEALTHCHECK');
  const path = commandOf(hc!)
    .join(' ')
    .match(/\)\+'(\/[^']*)'/)?.[1];
  if (!path) throw new Error(`${dockerfile}: HEALTHCHECK path not found`);
  return path;
}

function expectHealthcheck(service: ComposeService, name: string): string {
  const test = service.healthcheck?.test;
  expect(service.healthcheck?.disable, name).not.toBe(true);
  expect(Array.isArray(test) ? test.length : test?.length, `${name} has no healthcheck`).toBeGreaterThan(1);
  return Array.isArray(test) ? test.join(' ') : String(test);
}

function expectNamedVolume(compose: ComposeFile, service: ComposeService, target: string): void {
  const mount = (service.volumes ?? [])
    .map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v))
    .find((v) => v.target === target);
  expect(mount, `no volume at ${target}`).toBeTruthy();
  // A named volume, not a bind mount (a path would start with . or /).
  expect(mount?.source).toMatch(/^[a-z0-9][a-z0-9_.-]*$/);
  expect(Object.keys(compose.volumes ?? {})).toContain(mount?.source);
}

/** Kong's compose hardening: read-only root with a tmpfs /tmp, no-new-privileges, no capabilities, a memory cap. */
function expectHardened(service: ComposeService, name: string): void {
  expect(service.read_only, name).toBe(true);
  expect(
    (service.tmpfs as string[] | undefined)?.some((t) => t.split(':')[0] === '/tmp'),
    name,
  ).toBe(true);
  expect(service.security_opt, name).toContain('no-new-privileges:true');
  expect(service.cap_drop, name).toEqual(['ALL']);
  expect(service.cap_add, name).toBeUndefined();
  expect(service.privileged, name).not.toBe(true);
  expect(String(service.mem_limit ?? ''), name).toMatch(/^\d+[mg]$/);
}

describe('docker-compose.yml (local stack)', () => {
  const raw = readRepoFile('docker-compose.yml');
  const compose = interpolateTree(parseCompose(raw), {});
  const services = compose.services;

  it('is a valid Compose file', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  it('publishes the proxy and the dashboard; management, PostgreSQL, Redis and Mailpit on loopback only', () => {
    expect(Object.keys(services).sort()).toEqual(['dashboard', 'gateway', 'mailpit', 'migrate', 'postgres', 'redis']);
    const ports = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, publishedPorts(s)]));
    expect(ports).toEqual({
      postgres: [{ hostIp: '127.0.0.1', published: '5432', target: '5432' }],
      redis: [{ hostIp: '127.0.0.1', published: '6379', target: '6379' }],
      // Mailpit's SMTP port stays on the Compose network; its web UI and the management API on loopback.
      mailpit: [{ hostIp: '127.0.0.1', published: '8025', target: '8025' }],
      migrate: [],
      gateway: [
        { hostIp: null, published: '3001', target: '3001' },
        { hostIp: '127.0.0.1', published: '3002', target: '3002' },
      ],
      dashboard: [{ hostIp: null, published: '3000', target: '3000' }],
    });
    const env = environmentOf(services.gateway!);
    expect([env.PORT, env.MANAGEMENT_PORT]).toEqual(['3001', '3002']);
    // What another machine on the LAN reaches: an unset host IP means every interface.
    const fromLan = Object.entries(ports).flatMap(([name, list]) =>
      list.filter((p) => p.hostIp === null || p.hostIp === '0.0.0.0').map((p) => `${name}:${p.target}`),
    );
    expect(fromLan.sort()).toEqual(['dashboard:3000', 'gateway:3001']);
  });

  it('gives each secret only to the services that need it', () => {
    // Which services' environments carry each secret's (development default) value, after interpolation.
    const secrets = {
      POSTGRES_PASSWORD: 'gateway-dev-password',
      ADMIN_API_TOKEN: environmentOf(services.gateway!).ADMIN_API_TOKEN ?? '',
      SESSION_SECRET: environmentOf(services.gateway!).SESSION_SECRET ?? '',
    };
    const holders = (value: string) =>
      Object.entries(services)
        .filter(([, service]) => Object.values(environmentOf(service)).some((v) => v?.includes(value)))
        .map(([name]) => name)
        .sort();
    expect(Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, holders(v)]))).toEqual({
      POSTGRES_PASSWORD: ['gateway', 'migrate', 'postgres'],
      ADMIN_API_TOKEN: ['gateway'],
      SESSION_SECRET: ['gateway'],
    });
  });

  it('migrates in a one-shot service with DATABASE_URL alone, before the gateway starts', () => {
    const migrate = services.migrate!;
    expect(migrate.image).toBe(services.gateway!.image);
    expect(migrate.command).toEqual(['node', 'gateway/dist/cli/migrate.js']);
    expect(existsInRepo('gateway/src/cli/migrate.ts')).toBe(true);
    expect(migrate.restart).toBe('no');
    expect(Object.keys(environmentOf(migrate))).toEqual(['DATABASE_URL']);
    expect(environmentOf(migrate).DATABASE_URL).toBe(environmentOf(services.gateway!).DATABASE_URL);
    expect(dependenciesOf(migrate)).toEqual({ postgres: { condition: 'service_healthy', required: true } });
  });

  it('runs its own containers read-only, without privileges or capabilities, memory-capped', () => {
    for (const name of ['migrate', 'gateway', 'dashboard']) expectHardened(services[name]!, name);
    const dashboardTmpfs = services.dashboard!.tmpfs as string[];
    expect(dashboardTmpfs.map((t) => t.split(':')[0])).toEqual(['/tmp', '/app/dashboard/.next/cache']);
  });

  it('lets the gateway start in production mode locally: mail goes to Mailpit, ADMIN_EMAILS sign in as admins', () => {
    const env = environmentOf(services.gateway!);
    const smtp = new URL(env.SMTP_URL ?? '');
    expect(smtp.protocol).toBe('smtp:');
    expect(smtp.hostname).toBe('mailpit');
    expect(smtp.port).toBe('1025');
    expect(env.MAIL_FROM).toMatch(/@/);
    expect(env.ADMIN_EMAILS?.split(',').every((e) => /^[^@\s]+@[^@\s]+$/.test(e))).toBe(true);
    // The file tells newcomers how to sign in.
    expect(raw).toMatch(/^# Sign in:.*ADMIN_EMAILS[\s\S]*Mailpit \(http:\/\/127\.0\.0\.1:8025\)/m);
  });

  it('points the dashboard at the management listener, on the same site as DASHBOARD_ORIGIN', () => {
    const api = new URL(environmentOf(services.dashboard!).GATEWAY_API_URL ?? '');
    const origin = new URL(environmentOf(services.gateway!).DASHBOARD_ORIGIN ?? '');
    expect(api.hostname).toBe('localhost');
    expect(origin.hostname).toBe(api.hostname);
    const management = publishedPorts(services.gateway!).find((p) => p.target === '3002');
    expect(api.port).toBe(management?.published);
    expect(origin.port).toBe(publishedPorts(services.dashboard!)[0]?.published);
  });

  it('gives every long-running service a health check; the app checks hit the same routes as the images', () => {
    for (const [name, service] of Object.entries(services)) if (name !== 'migrate') expectHealthcheck(service, name);
    expect(expectHealthcheck(services.gateway!, 'gateway')).toContain(
      `127.0.0.1:3001${healthcheckPath('gateway/Dockerfile')}`,
    );
    expect(expectHealthcheck(services.dashboard!, 'dashboard')).toContain(
      `127.0.0.1:3000${healthcheckPath('dashboard/Dockerfile')}`,
    );
  });

  it('starts each service only when what it needs is healthy', () => {
    expect(dependenciesOf(services.gateway!)).toEqual({
      migrate: { condition: 'service_completed_successfully', required: true },
      postgres: { condition: 'service_healthy', required: true },
      redis: { condition: 'service_healthy', required: true },
      mailpit: { condition: 'service_healthy', required: true },
    });
    expect(dependenciesOf(services.dashboard!)).toEqual({ gateway: { condition: 'service_healthy', required: true } });
  });

  it('keeps PostgreSQL data in a named volume', () => {
    expectNamedVolume(compose, services.postgres!, '/var/lib/postgresql/data');
  });

  it('builds both images from this checkout with the repository root as context', () => {
    for (const name of ['migrate', 'gateway', 'dashboard'] as const) {
      const build = services[name]?.build as { context: string; dockerfile: string };
      expect(build.context).toBe('.');
      expect(existsInRepo(build.dockerfile)).toBe(true);
    }
  });

  it('points the gateway at the postgres and redis services with production settings', () => {
    const env = environmentOf(services.gateway!);
    expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgres');
    expect(new URL(env.REDIS_URL ?? '').hostname).toBe('redis');
    expect(env.NODE_ENV).toBe('production');
    // The gateway refuses to start in production with shorter secrets.
    expect(env.ADMIN_API_TOKEN?.length).toBeGreaterThanOrEqual(32);
    expect(env.SESSION_SECRET?.length).toBeGreaterThanOrEqual(32);
    const known = gatewayConfigKeys();
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
  });

  it('uses development defaults only, each overridable from .env', () => {
    const rawServices = parseCompose(raw).services;
    for (const [name, service] of Object.entries(rawServices)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (!SECRET_NAME.test(key)) continue;
        const refs = variableReferences(value ?? '');
        expect(refs, `${name}.${key} must be \${${key}:-<dev default>}`).toHaveLength(1);
        expect(refs[0]?.modifier).toBe(':-');
        expect(refs[0]?.argument).toMatch(/dev/);
      }
    }
    for (const ref of variableReferences(raw)) {
      if (ref.argument) expect(looksLikeSecretValue(ref.argument), `default of ${ref.name}`).toBe(false);
    }
  });

  it('ships .env.example with the same development defaults, and git ignores .env', () => {
    const example = dotenv('.env.example');
    const referenced = new Set(variableReferences(raw).map((r) => r.name));
    expect(Object.keys(example).filter((k) => !referenced.has(k))).toEqual([]);
    for (const [key, value] of Object.entries(example)) {
      if (SECRET_NAME.test(key)) expect(value, key).toMatch(/^$|dev/);
      expect(looksLikeSecretValue(value), key).toBe(false);
    }
    // With .env.example as .env, the stack resolves exactly as with no .env at all.
    expect(interpolateTree(parseCompose(raw), example)).toEqual(compose);
    expect(isGitIgnored('.env')).toBe(true);
    expect(isGitIgnored('.env.example')).toBe(false);
  });
});

describe('deploy/docker-compose.prod.yml (production on a VM)', () => {
  const raw = readRepoFile('deploy/docker-compose.prod.yml');
  const vars = {
    GHCR_OWNER: 'acme',
    APP_VERSION: '1.2.3',
    GATEWAY_API_URL: 'https://manage.example.com',
    GATEWAY_PROXY_URL: 'https://api.example.com',
  };
  const compose = interpolateTree(parseCompose(raw), vars);
  const services = compose.services;

  it('is a valid Compose file', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  it('refuses to start without an image owner and version', () => {
    expect(() => interpolateTree(parseCompose(raw), {})).toThrow(/GHCR_OWNER|APP_VERSION/);
  });

  it('runs the released GHCR images at a version chosen by variable, never latest', () => {
    expect(services.gateway?.image).toBe('ghcr.io/acme/api-gateway:1.2.3');
    expect(services.dashboard?.image).toBe('ghcr.io/acme/api-gateway-dashboard:1.2.3');
    const rawServices = parseCompose(raw).services;
    for (const name of ['gateway', 'dashboard']) {
      const image = rawServices[name]?.image ?? '';
      const tag = image.match(/^ghcr\.io\/\$\{GHCR_OWNER[^}]*\}\/[a-z-]+:(.+)$/)?.[1] ?? '';
      expect(variableReferences(tag).map((r) => [r.name, r.modifier])).toEqual([['APP_VERSION', ':?']]);
    }
    for (const service of Object.values(services)) expect(service.image ?? '').not.toMatch(/:latest$/);
  });

  it('expects PostgreSQL and Redis to be managed: only optional profiles run them locally', () => {
    const always = Object.entries(services).filter(([, s]) => !s.profiles?.length);
    expect(always.map(([name]) => name).sort()).toEqual(['dashboard', 'gateway']);
    expect(services.postgres).toBeUndefined();
    expect(services.redis?.profiles).toEqual(['local-redis']);
    // The dependency on the optional Redis must not make it mandatory.
    expect(dependenciesOf(services.gateway!)).toEqual({ redis: { condition: 'service_healthy', required: false } });
    expect(dependenciesOf(services.dashboard!)).toEqual({ gateway: { condition: 'service_healthy', required: true } });
  });

  it('gives every service a health check, a restart policy and rotated logs', () => {
    for (const [name, service] of Object.entries(services)) {
      expectHealthcheck(service, name);
      expect(service.restart, name).toMatch(/^(unless-stopped|always)$/);
      expect(service.logging?.driver, name).toBe('json-file');
      expect(service.logging?.options?.['max-size'], name).toBeTruthy();
      expect(service.logging?.options?.['max-file'], name).toBeTruthy();
    }
  });

  it('runs the gateway and the dashboard read-only, without privileges or capabilities, memory-capped', () => {
    for (const name of ['gateway', 'dashboard']) expectHardened(services[name]!, name);
  });

  it('gives the secrets to the gateway alone (its env file); the dashboard gets none', () => {
    expect(
      Object.entries(services)
        .filter(([, s]) => s.env_file)
        .map(([name]) => name),
    ).toEqual(['gateway']);
    for (const [name, service] of Object.entries(services))
      for (const key of Object.keys(environmentOf(service)))
        expect(SECRET_NAME.test(key), `${name}: ${key}`).toBe(false);
  });

  it('gives the gateway longer to stop than its own drain takes', () => {
    const grace = String(services.gateway?.stop_grace_period ?? '10s').match(/^(\d+)s$/)?.[1];
    expect(Number(grace)).toBeGreaterThan(gatewayConfigDefault('SHUTDOWN_TIMEOUT_MS') / 1000);
  });

  it('publishes the proxy on 3001, management on 3002 and the dashboard on 3000, on loopback unless told otherwise', () => {
    expect(publishedPorts(services.gateway!)).toEqual([
      { hostIp: '127.0.0.1', published: '3001', target: '3001' },
      { hostIp: '127.0.0.1', published: '3002', target: '3002' },
    ]);
    expect(publishedPorts(services.dashboard!)).toEqual([{ hostIp: '127.0.0.1', published: '3000', target: '3000' }]);
    const env = environmentOf(services.gateway!);
    expect([env.PORT, env.MANAGEMENT_PORT]).toEqual(['3001', '3002']);
  });

  it('takes secrets from the env file or the environment, never from literals', () => {
    const rawCompose = parseCompose(raw);
    for (const leaf of stringLeaves(rawCompose)) {
      const key = leaf.path.at(-1) ?? '';
      if (SECRET_NAME.test(key)) {
        const refs = variableReferences(leaf.value);
        expect(refs.length, `${leaf.path.join('.')} must be a \${VAR}`).toBeGreaterThan(0);
        for (const ref of refs) expect(ref.modifier === ':-' || ref.modifier === '-', leaf.path.join('.')).toBe(false);
      }
      expect(looksLikeSecretValue(leaf.value), leaf.path.join('.')).toBe(false);
    }
    for (const ref of variableReferences(raw)) {
      if (SECRET_NAME.test(ref.name)) expect(ref.modifier, `${ref.name} must not have a default`).not.toMatch(/-/);
      if (ref.argument && ref.modifier?.includes('-')) expect(looksLikeSecretValue(ref.argument)).toBe(false);
    }
    const envFile = services.gateway?.env_file as { path: string; required: boolean }[];
    expect(envFile).toEqual([{ path: './gateway.env', required: true }]);
    expect(isGitIgnored('deploy/gateway.env')).toBe(true);
    expect(isGitIgnored('deploy/.env')).toBe(true);
  });

  it('documents every setting in the example files, with placeholders only', () => {
    const composeVars = dotenv('deploy/.env.example');
    const referenced = new Set(variableReferences(raw).map((r) => r.name));
    expect(Object.keys(composeVars).filter((k) => !referenced.has(k) && k !== 'COMPOSE_PROFILES')).toEqual([]);
    const gatewayEnv = dotenv('deploy/gateway.env.example');
    const known = gatewayConfigKeys();
    expect(Object.keys(gatewayEnv).filter((k) => !known.has(k))).toEqual([]);
    // What production refuses to start without (a sign-in method: SMTP_URL here, OIDC_* commented).
    for (const key of ['DATABASE_URL', 'ADMIN_API_TOKEN', 'SESSION_SECRET', 'SMTP_URL', 'ADMIN_EMAILS'])
      expect(Object.keys(gatewayEnv)).toContain(key);
    const commented = [...readRepoFile('deploy/gateway.env.example').matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map(
      (m) => m[1] as string,
    );
    expect(commented.filter((k) => !known.has(k))).toEqual([]);
    expect(commented).toContain('OIDC_ISSUER');
    for (const [key, value] of Object.entries({ ...composeVars, ...gatewayEnv })) {
      expect(looksLikeSecretValue(value), key).toBe(false);
      if (SECRET_NAME.test(key)) expect(value, key).toBe('');
    }
    // The file given to the environment overrides nothing the Compose file pins.
    const pinned = Object.keys(environmentOf(services.gateway!));
    expect(Object.keys(gatewayEnv).filter((k) => pinned.includes(k))).toEqual([]);
  });

  // Where each host's requests go is checked in public-exposure.test.ts; here, that the files fit together.
  it('fronts the proxy, the management API and the dashboard with Caddy in the tls profile', () => {
    const caddy = services.caddy!;
    expect(caddy.profiles).toEqual(['tls']);
    const caddyfile = readRepoFile('deploy/Caddyfile');
    expect(caddyfile).toContain('reverse_proxy gateway:3001');
    expect(caddyfile).toContain('reverse_proxy gateway:3002');
    expect(caddyfile).toContain('reverse_proxy dashboard:3000');
    const caddyEnv = Object.keys(environmentOf(caddy));
    for (const [, name] of caddyfile.matchAll(/\{\$([A-Z_]+)\}/g)) expect(caddyEnv).toContain(name);
    const mounted = (caddy.volumes ?? []).map((v) => String(v).split(':')[0]);
    expect(mounted).toContain('./Caddyfile');
  });

  it("keeps Caddy's certificates in the caddy-data volume, or in CADDY_DATA_DIR (a disk that outlives the VM)", () => {
    const dataMount = (c: ComposeFile) =>
      (c.services.caddy?.volumes ?? []).map(String).find((v) => v.endsWith(':/data'));
    expect(dataMount(compose)).toBe('caddy-data:/data');
    expect(Object.keys(compose.volumes ?? {})).toContain('caddy-data');
    const onDisk = interpolateTree(parseCompose(raw), { ...vars, CADDY_DATA_DIR: '/var/lib/api-gateway/caddy-data' });
    expect(dataMount(onDisk)).toBe('/var/lib/api-gateway/caddy-data:/data');
  });

  it('ships an nginx alternative that proxies to the published ports without buffering', () => {
    const conf = readRepoFile('deploy/nginx/api-gateway.conf');
    expect(conf).toContain('proxy_pass http://127.0.0.1:3001;');
    expect(conf).toContain('proxy_pass http://127.0.0.1:3002;');
    expect(conf).toContain('proxy_pass http://127.0.0.1:3000;');
    expect(conf).toMatch(/proxy_buffering off;/);
    expect(conf).toMatch(/proxy_request_buffering off;/);
    expect(() => parseNginxConf(conf)).not.toThrow();
  });

  it('can send logs to CloudWatch instead: the override replaces the driver and its options', () => {
    const override = parseCompose(readRepoFile('deploy/docker-compose.awslogs.yml'));
    const resolved = interpolateTree(override, { AWS_LOG_GROUP: '/g', AWS_REGION: 'eu-central-1' });
    expect(composeSchemaErrors(resolved)).toEqual([]);
    for (const [name, service] of Object.entries(resolved.services)) {
      expect(Object.keys(services), `${name} is not in the production file`).toContain(name);
      // Compose merges logging options only when both files name the same driver; here they differ,
      // so the json-file rotation options must not leak into awslogs (Docker would reject them).
      expect(service.logging?.driver).toBe('awslogs');
      expect(Object.keys(service.logging?.options ?? {})).not.toContain('max-size');
      expect(service.logging?.options?.['awslogs-group']).toBe('/g');
    }
    expect(() => interpolate(readRepoFile('deploy/docker-compose.awslogs.yml'), {})).toThrow(
      /AWS_LOG_GROUP|AWS_REGION/,
    );
  });
});

describe('deploy/docker-compose.database-ca.yml (verified TLS to PostgreSQL)', () => {
  const override = parseCompose(readRepoFile('deploy/docker-compose.database-ca.yml'));
  const resolved = interpolateTree(override, {});
  const prod = parseCompose(readRepoFile('deploy/docker-compose.prod.yml'));

  it('is a valid Compose file that touches only the gateway of the production file', () => {
    expect(composeSchemaErrors(resolved)).toEqual([]);
    expect(Object.keys(resolved.services)).toEqual(['gateway']);
    expect(prod.services.gateway).toBeTruthy();
  });

  it('mounts the bundle read-only where DATABASE_CA_FILE points, and refuses to invent a missing one', () => {
    const environment = environmentOf(resolved.services.gateway!);
    expect(gatewayConfigKeys().has('DATABASE_CA_FILE')).toBe(true);
    const mounts = (resolved.services.gateway?.volumes ?? []) as {
      type?: string;
      source?: string;
      target?: string;
      read_only?: boolean;
      bind?: { create_host_path?: boolean };
    }[];
    expect(mounts).toEqual([
      {
        type: 'bind',
        source: './database-ca.pem', // beside the Compose files: where infra/aws's boot script saves it
        target: environment.DATABASE_CA_FILE,
        read_only: true,
        // Docker would otherwise create a directory in the bundle's place and the gateway would fail later.
        bind: { create_host_path: false },
      },
    ]);
    // The production file mounts nothing at that path itself, so the override's mount is the only one.
    const prodTargets = (prod.services.gateway?.volumes ?? []).map((v) =>
      typeof v === 'string' ? v.split(':')[1] : v.target,
    );
    expect(prodTargets).not.toContain(environment.DATABASE_CA_FILE);
    expect(
      interpolateTree(override, { DATABASE_CA_BUNDLE: '/srv/ca.pem' }).services.gateway?.volumes?.[0],
    ).toMatchObject({
      source: '/srv/ca.pem',
    });
  });
});

describe('the Compose schema check', () => {
  it.each([
    ['a misspelt key', { services: { a: { image: 'x', healthchek: { test: ['CMD', 'true'] } } } }],
    [
      'an unknown dependency condition',
      { services: { a: { image: 'x', depends_on: { b: { condition: 'healthy' } } } } },
    ],
    ['a malformed duration', { services: { a: { image: 'x', healthcheck: { interval: 'often' } } } }],
  ])('rejects %s', (_, document) => {
    expect(composeSchemaErrors(document)).not.toEqual([]);
  });
});

describe('Compose interpolation (the helper the checks rely on)', () => {
  it.each([
    ['${A}', { A: 'x' }, 'x'],
    ['${A:-d}', {}, 'd'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['$${A}', { A: 'x' }, '${A}'],
    ['pre-$A-post', { A: 'x' }, 'pre-x-post'],
    ['${A:-${B:-c}}', {}, 'c'],
    ['${A:+set}', { A: '1' }, 'set'],
  ])('%s with %j → %s', (input, env, expected) => {
    expect(interpolate(input, env)).toBe(expected);
  });

  it('fails on a missing required variable', () => {
    expect(() => interpolate('${A:?need A}', {})).toThrow(/need A/);
  });
});
