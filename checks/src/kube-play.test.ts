// biome-ignore-all lint/suspicious/noExplicitAny: rendered manifests are untyped JSON.
/**
 * The rendered Kubernetes objects run under `podman kube play` (scripts/ci-images.sh, after
 * images.test.ts built the image): the gateway pod's migration init container alone first, then the
 * whole gateway Deployment (init container, then the gateway), with
 * the rendered ConfigMap and a Secret holding this machine's PostgreSQL (a database created and
 * dropped here) and Redis. What this machine forces, and nothing else, is changed: the image name
 * (the locally built one), host networking (PostgreSQL and Redis listen on loopback) and so the
 * listener ports (PORT/MANAGEMENT_PORT in the ConfigMap and the matching containerPorts, from
 * 4401–4499), the upstream, the Secret handed to podman as its own secret (podman 4.3 cannot read
 * a Secret from the YAML), and a podman annotation that works around its init-container removal race. The security contexts, probes, env wiring and commands are the manifests'.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deleteKeysUnder } from '../../gateway/test/support/redis.js';
import { renderedNamed, renderKustomization } from './lib/kubernetes.js';
import { REPO_ROOT } from './lib/repo.js';

const POSTGRES_ADMIN_URL = process.env.CHECKS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.CHECKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GATEWAY_IMAGE = process.env.CHECKS_GATEWAY_IMAGE ?? 'localhost/api-gateway:ci';
const PODMAN_ENV = { ...process.env, CONTAINERS_CONF: `${REPO_ROOT}/scripts/ci-images/containers.conf` };

function podman(args: string[], timeout = 120_000) {
  const r = spawnSync('podman', args, { env: PODMAN_ENV, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

async function freePort(taken: Set<number>): Promise<number> {
  for (let port = 4450 + Math.floor(Math.random() * 30); port <= 4499; port++) {
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = createNetServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port in 4450-4499');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const rendered = renderKustomization();
// gateway-config is generated (k8s/gateway-config.env): its rendered name carries a content hash.
const find = (kind: string, name: string): any => renderedNamed(rendered, kind, name);

describe('podman kube play: the rendered gateway Deployment and its migration step', () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `gw_kube_${suffix}`;
  const keyPrefix = `kube${suffix}:`;
  const secretName = 'api-gateway-secrets';
  const work = mkdtempSync(join(tmpdir(), 'kube-play-'));
  const taken = new Set<number>();
  let upstream: Server;
  let proxy: string;
  let manage: string;
  let adminToken: string;
  let deploymentFile: string;
  let jobFile: string;

  beforeAll(async () => {
    const [port, managementPort, upstreamPort, smtpPort] = [
      await freePort(taken),
      await freePort(taken),
      await freePort(taken),
      await freePort(taken),
    ];
    proxy = `http://127.0.0.1:${port}`;
    manage = `http://127.0.0.1:${managementPort}`;
    upstream = createServer((req, res) => res.end(JSON.stringify({ upstream: true, path: req.url })));
    await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r));
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    await client.query(`CREATE DATABASE ${database}`);
    await client.end();
    const databaseUrl = new URL(POSTGRES_ADMIN_URL);
    databaseUrl.pathname = `/${database}`;
    adminToken = randomBytes(36).toString('base64url');
    // The Secret's data as podman reads a secretKeyRef: a JSON map of base64 values.
    const data: Record<string, string> = {
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      ADMIN_API_TOKEN: adminToken,
      SESSION_SECRET: randomBytes(36).toString('base64url'),
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    };
    const secretFile = join(work, 'secret.json');
    writeFileSync(
      secretFile,
      JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))),
    );
    podman(['secret', 'rm', secretName]);
    const created = podman(['secret', 'create', secretName, secretFile]);
    if (created.code !== 0) throw new Error(created.stderr);

    const config = find('ConfigMap', 'gateway-config');
    Object.assign(config.data, {
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      HOST: '127.0.0.1',
      INTERNAL_API_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
      REDIS_KEY_PREFIX: keyPrefix,
    });
    const deployment = find('Deployment', 'gateway');
    const container = deployment.spec.template.spec.containers[0];
    container.image = GATEWAY_IMAGE;
    const init = deployment.spec.template.spec.initContainers[0];
    init.image = GATEWAY_IMAGE;
    // podman 4.3 removes a run-once init container while it may still be running and fails the pod;
    // as an "always" init container it runs to completion before the gateway just the same.
    // (podman reads the annotation from the Deployment's own metadata.)
    deployment.metadata.annotations = {
      ...deployment.metadata.annotations,
      'io.podman.annotations.init.container.type': 'always',
    };
    // Host networking: podman 4.3 refuses port mappings there, so the named ports become the numbers.
    const ports: Record<string, number> = { proxy: port, management: managementPort };
    delete container.ports;
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
      container[probe].httpGet.port = ports[container[probe].httpGet.port] ?? container[probe].httpGet.port;
    deploymentFile = join(work, 'gateway.yaml');
    writeFileSync(deploymentFile, [config, deployment].map((d) => stringify(d)).join('---\n'));

    // The init container by itself, as the only container of a pod that runs once: what every new
    // gateway pod runs before its gateway starts.
    const template = structuredClone(deployment.spec.template.spec);
    const jobPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `gateway-migrate-${suffix}`, namespace: deployment.metadata.namespace },
      spec: { ...template, initContainers: undefined, containers: [init], restartPolicy: 'Never' },
    };
    jobFile = join(work, 'migrate.yaml');
    writeFileSync(jobFile, [config, jobPod].map((d) => stringify(d)).join('---\n'));
  }, 120_000);

  afterAll(async () => {
    podman(['kube', 'down', deploymentFile]);
    podman(['kube', 'down', jobFile]);
    podman(['secret', 'rm', secretName]);
    upstream?.close();
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await client.end();
    await deleteKeysUnder(keyPrefix, REDIS_URL).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('the migration init container runs to completion, with DATABASE_URL the only secret it gets', async () => {
    const secretKeys = find('Deployment', 'gateway')
      .spec.template.spec.initContainers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef)
      .map((e: any) => e.valueFrom.secretKeyRef.key);
    expect(secretKeys).toEqual(['DATABASE_URL']);
    const played = podman(['kube', 'play', '--network', 'host', jobFile]);
    expect(played.code, played.stderr).toBe(0);
    const name = `gateway-migrate-${suffix}-migrate`;
    const state = await until(
      'the migration pod to exit',
      async () => {
        const s = podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name]).stdout.trim();
        return s.startsWith('exited') ? s : undefined;
      },
      90_000,
    );
    expect(state, podman(['logs', name]).stderr).toBe('exited 0');
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${database}`) });
    await client.connect();
    const applied = await client.query(
      'SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL',
    );
    await client.end();
    expect(applied.rows[0].n).toBeGreaterThan(0);
  }, 120_000);

  it('the gateway pod (init container, then gateway) becomes ready under its security context and proxies a request', async () => {
    const played = podman(['kube', 'play', '--network', 'host', deploymentFile]);
    expect(played.code, played.stderr).toBe(0);
    const containers = podman(['ps', '--format', '{{.Names}}']).stdout.split('\n');
    const name = containers.find((n) => n.startsWith('gateway-pod-') && n.endsWith('-gateway'));
    expect(name, containers.join(', ')).toBeTruthy();
    expect(containers.filter((n) => n.startsWith('gateway-pod-') && n.endsWith('-gateway'))).toHaveLength(1);
    await until(
      '/ready',
      async () => ((await fetch(`${proxy}/ready`)).status === 200 ? true : undefined),
      90_000,
    ).catch((e) => {
      throw new Error(`${e}\n${podman(['logs', name!]).stderr.slice(-3000)}`);
    });
    // The pod has the init container, and its runs exited 0 (as an "always" init container podman
    // keeps it, and starts it again with the pod's restart policy).
    const all = podman(['ps', '-a', '--format', '{{.Names}} {{.ExitCode}}']).stdout.split('\n');
    expect(all.filter((l) => /^gateway-pod-\d+-migrate /.test(l))).toEqual([
      expect.stringMatching(/^gateway-pod-\d+-migrate 0$/),
    ]);
    const status = podman(['exec', name!, 'cat', '/proc/1/status']).stdout;
    expect(status).toMatch(/^Uid:\s+1000\s+1000/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(podman(['exec', name!, 'touch', '/app/x']).code).not.toBe(0);
    expect(podman(['exec', name!, 'touch', '/tmp/x']).code).toBe(0);

    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const user = await fetch(`${manage}/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ email: 'kube@example.com' }),
    });
    const { user: u } = (await user.json()) as { user: { id: string } };
    const created = await fetch(`${manage}/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ userId: u.id, name: 'kube' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const proxied = await fetch(`${proxy}/proxy/kube`, { headers: { 'x-api-key': key } });
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual({ upstream: true, path: '/kube' });
  }, 150_000);
});
