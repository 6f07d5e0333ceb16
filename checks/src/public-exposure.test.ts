// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests are untyped JSON.
// The gateway's trust boundary, checked on every deployment path: the public fronts (Caddy, nginx, the
// Kubernetes Ingress and Services, ports Compose publishes beyond loopback) reach only the proxy
// listener's routes (/proxy/*, /health, /ready). The management listener (API, /auth/*, /metrics) is
// reached only from allow-listed networks, and /metrics from no front at all where the front can
// exclude it. Each front's routing is evaluated request by request (lib/caddyfile.ts, lib/nginx-conf.ts,
// lib/kubernetes.ts), not grepped, and each check is shown to fail on a front that leaks.
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCaddyfile, routeCaddy } from './lib/caddyfile.js';
import { type ComposeFile, environmentOf, interpolateTree, parseCompose, publishedPorts } from './lib/compose.js';
import {
  DOCKER_BRIDGE_ADDRESSES,
  type Listener,
  leaks,
  listenerAt,
  MANAGEMENT_PORT,
  NODE_ADDRESSES,
  OPERATOR_ADDRESS,
  OPERATOR_NETWORK,
  PROXY_PORT,
  PROXY_PROBES,
  PUBLIC_ADDRESSES,
} from './lib/exposure.js';
import type { FrontRequest, Upstream } from './lib/http-front.js';
import {
  ALLOW_LIST_ANNOTATION,
  loadManifests,
  type Manifest,
  renderedNamed,
  renderKustomization,
  routeIngress,
  serviceTarget,
} from './lib/kubernetes.js';
import { type NginxDirective, parseNginxConf, routeNginx } from './lib/nginx-conf.js';
import { readRepoFile } from './lib/repo.js';

describe('deploy/Caddyfile (the tls profile)', () => {
  const source = readRepoFile('deploy/Caddyfile');
  const prod = parseCompose(readRepoFile('deploy/docker-compose.prod.yml'));
  const hosts = { GATEWAY_DOMAIN: 'api.example.com', MANAGEMENT_DOMAIN: 'manage.example.com' };
  const env = (extra: Record<string, string> = {}) => {
    const vars = {
      GHCR_OWNER: 'acme',
      APP_VERSION: '1.2.3',
      GATEWAY_API_URL: 'https://manage.example.com',
      GATEWAY_PROXY_URL: 'https://api.example.com',
    };
    const compose = interpolateTree(prod, { ...vars, DASHBOARD_DOMAIN: 'dashboard.example.com', ...hosts, ...extra });
    // Caddy's environment is what Compose gives the caddy service.
    return environmentOf(compose.services.caddy!) as Record<string, string>;
  };
  const listenerOf = (up: NonNullable<Upstream>): Listener => listenerAt(up, 'gateway');
  const allHosts = ['api.example.com', 'manage.example.com', 'dashboard.example.com'];

  it('sends the public proxy host to the proxy listener for /proxy/*, /health and /ready only', () => {
    const sites = parseCaddyfile(source, env());
    for (const path of PROXY_PROBES) {
      expect(routeCaddy(sites, { host: 'api.example.com', path, remoteAddress: PUBLIC_ADDRESSES[0]! }), path).toEqual({
        host: 'gateway',
        port: PROXY_PORT,
      });
    }
    expect(routeCaddy(sites, { host: 'dashboard.example.com', path: '/keys', remoteAddress: '203.0.113.7' })).toEqual({
      host: 'dashboard',
      port: 3000,
    });
  });

  it.each([
    ['with MANAGEMENT_ALLOWED_IPS unset', {}],
    ['with deploy/.env.example as .env', parseEnv(readRepoFile('deploy/.env.example')) as Record<string, string>],
  ])('reaches the management listener from no public or Docker-proxied address %s', (_, dotenv) => {
    const sites = parseCaddyfile(source, env({ ...dotenv, ...hosts }));
    const addresses = [...PUBLIC_ADDRESSES, ...DOCKER_BRIDGE_ADDRESSES];
    expect(leaks((r) => routeCaddy(sites, r), listenerOf, allHosts, addresses)).toEqual([]);
  });

  it('serves the management API to the allow-listed networks, but never /metrics', () => {
    const sites = parseCaddyfile(source, env({ MANAGEMENT_ALLOWED_IPS: `${OPERATOR_NETWORK} 2001:db8:1::/48` }));
    const from = (path: string, remoteAddress = OPERATOR_ADDRESS) =>
      routeCaddy(sites, { host: 'manage.example.com', path, remoteAddress });
    for (const path of ['/auth/email', '/auth/session', '/keys/x', '/users', '/health'])
      expect(from(path), path).toEqual({ host: 'gateway', port: MANAGEMENT_PORT });
    expect(from('/keys', '2001:db8:1::5')).toEqual({ host: 'gateway', port: MANAGEMENT_PORT });
    for (const path of ['/metrics', '/METRICS', '/metrics/', '//metrics', '/keys/../metrics'])
      expect(from(path), path).toBeNull();
    expect(from('/keys', '203.0.113.7')).toBeNull();
    // Opening the management host to operators must not open anything on the public host.
    expect(leaks((r) => routeCaddy(sites, r), listenerOf, ['api.example.com'], [OPERATOR_ADDRESS])).toEqual([]);
  });

  it('catches a Caddyfile that leaks (the seed front, and an allow-list Caddy would run after the proxy)', () => {
    const seed = parseCaddyfile('{$GATEWAY_DOMAIN} {\n\treverse_proxy gateway:3001\n}\n', env());
    expect(leaks((r) => routeCaddy(seed, r), listenerOf, ['api.example.com'], ['203.0.113.7'])).toContain(
      '203.0.113.7 → api.example.com/metrics reaches the proxy listener',
    );
    // `respond` runs after `handle` in Caddy's directive order, whatever the file order says.
    const misordered = parseCaddyfile(
      `{$MANAGEMENT_DOMAIN} {\n\t@denied not remote_ip ${OPERATOR_NETWORK}\n\trespond @denied 403\n\thandle {\n\t\treverse_proxy gateway:${MANAGEMENT_PORT}\n\t}\n}\n`,
      env(),
    );
    expect(leaks((r) => routeCaddy(misordered, r), listenerOf, ['manage.example.com'], ['203.0.113.7'])).not.toEqual(
      [],
    );
    expect(() =>
      routeCaddy(parseCaddyfile('x {\n\trewrite * /metrics\n}\n', {}), { host: 'x', path: '/', remoteAddress: '::1' }),
    ).toThrow(/not modelled/);
  });
});

describe('deploy/nginx/api-gateway.conf', () => {
  const conf = parseNginxConf(readRepoFile('deploy/nginx/api-gateway.conf'));
  const prod = interpolateTree(parseCompose(readRepoFile('deploy/docker-compose.prod.yml')), {
    GHCR_OWNER: 'acme',
    APP_VERSION: '1.2.3',
    GATEWAY_API_URL: 'https://manage.example.com',
    GATEWAY_PROXY_URL: 'https://api.example.com',
  });
  // nginx proxies to the host ports Compose publishes on loopback: map them back to container ports.
  const published = new Map(
    Object.entries(prod.services).flatMap(([name, service]) =>
      publishedPorts(service).map((p) => [Number(p.published), { service: name, port: Number(p.target) }] as const),
    ),
  );
  const listenerOf = (up: NonNullable<Upstream>): Listener => {
    const target = published.get(up.port);
    return target?.service === 'gateway' ? listenerAt(up, '127.0.0.1', target.port) : 'other';
  };
  const route = (c: NginxDirective[]) => (r: FrontRequest) => routeNginx(c, { ...r, port: 443 });
  const allHosts = ['api.example.com', 'manage.example.com', 'dashboard.example.com', 'unknown.example.com'];

  it('sends the public proxy host to the proxy listener for /proxy/*, /health and /ready only', () => {
    for (const path of PROXY_PROBES) {
      const up = routeNginx(conf, { host: 'api.example.com', path, remoteAddress: '203.0.113.7', port: 443 });
      expect(up && listenerOf(up), path).toBe('proxy');
    }
    expect(
      routeNginx(conf, { host: 'api.example.com', path: '/x', remoteAddress: '203.0.113.7', port: 80 }),
    ).toBeNull();
  });

  it('reaches the management listener from no public address', () => {
    expect(leaks(route(conf), listenerOf, allHosts, PUBLIC_ADDRESSES)).toEqual([]);
  });

  it('serves the management API to the allow-listed (private) networks, but never /metrics', () => {
    const from = (path: string) =>
      routeNginx(conf, { host: 'manage.example.com', path, remoteAddress: '10.8.0.5', port: 443 });
    for (const path of ['/auth/email', '/keys/x', '/users', '/health']) {
      const up = from(path);
      expect(up && listenerOf(up), path).toBe('management');
    }
    for (const path of ['/metrics', '/METRICS', '/metrics/', '//metrics', '/keys/../Metrics'])
      expect(from(path), path).toBeNull();
  });

  it('catches an nginx front that leaks (the seed front, and a location that overrides the allow-list)', () => {
    const seed = parseNginxConf(
      'server { listen 443 ssl; server_name api.example.com; location / { proxy_pass http://127.0.0.1:3001; } }',
    );
    expect(leaks(route(seed), listenerOf, ['api.example.com'], ['203.0.113.7'])).toContain(
      '203.0.113.7 → api.example.com/metrics reaches the proxy listener',
    );
    const overridden = parseNginxConf(
      `server { listen 443 ssl; server_name manage.example.com; allow 10.0.0.0/8; deny all;
        location / { allow all; proxy_pass http://127.0.0.1:${MANAGEMENT_PORT}; } }`,
    );
    expect(leaks(route(overridden), listenerOf, ['manage.example.com'], ['203.0.113.7'])).not.toEqual([]);
  });
});

describe('k8s/ Ingresses and Services', () => {
  const manifests = loadManifests().map((m) => m.doc);
  // The ConfigMaps are generated from k8s/*.env: only the rendered kustomization has them.
  const rendered = renderKustomization();
  const gateway = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'gateway')!;
  // routeIngress answers with the Deployment's name and the container port.
  const listenerOf = (up: NonNullable<Upstream>): Listener => listenerAt(up, 'gateway');
  const hosts = (ms: Manifest[]) => [
    ...new Set(ms.filter((m) => m.kind === 'Ingress').flatMap((i) => i.spec.rules.map((r: any) => r.host))),
  ];
  const withAllowList = (ms: Manifest[], list: string) =>
    ms.map((m) =>
      m.kind === 'Ingress' && m.metadata.annotations?.[ALLOW_LIST_ANNOTATION] !== undefined
        ? {
            ...m,
            metadata: { ...m.metadata, annotations: { ...m.metadata.annotations, [ALLOW_LIST_ANNOTATION]: list } },
          }
        : m,
    );

  it('gives the gateway a proxy and a management container port matching PORT and MANAGEMENT_PORT', () => {
    const ports = gateway.spec.template.spec.containers[0].ports;
    expect(ports).toEqual([
      { name: 'proxy', containerPort: PROXY_PORT, protocol: 'TCP' },
      { name: 'management', containerPort: MANAGEMENT_PORT, protocol: 'TCP' },
    ]);
    const config = renderedNamed(rendered, 'ConfigMap', 'gateway-config');
    expect(config.data.PORT).toBe(String(PROXY_PORT));
    expect(config.data.MANAGEMENT_PORT).toBe(String(MANAGEMENT_PORT));
  });

  it('sends the public host to the proxy listener for /proxy/*, /health and /ready only', () => {
    for (const path of PROXY_PROBES) {
      const up = routeIngress(manifests, { host: 'api.example.com', path, remoteAddress: '203.0.113.7' });
      expect(up && listenerOf(up), path).toBe('proxy');
    }
  });

  it('reaches the management listener from no public or SNAT-looking address', () => {
    const addresses = [...PUBLIC_ADDRESSES, ...NODE_ADDRESSES];
    expect(leaks((r) => routeIngress(manifests, r), listenerOf, hosts(manifests), addresses)).toEqual([]);
  });

  it('serves the management API on its own host once the allow-list names the operators', () => {
    const opened = withAllowList(manifests, `${OPERATOR_NETWORK},2001:db8:1::/48`);
    const up = routeIngress(opened, {
      host: 'manage.example.com',
      path: '/auth/email',
      remoteAddress: OPERATOR_ADDRESS,
    });
    expect(up && listenerOf(up)).toBe('management');
    expect(
      routeIngress(opened, { host: 'manage.example.com', path: '/keys', remoteAddress: '203.0.113.7' }),
    ).toBeNull();
    expect(leaks((r) => routeIngress(opened, r), listenerOf, ['api.example.com'], [OPERATOR_ADDRESS])).toEqual([]);
  });

  it('keeps every Service ClusterIP: none is reachable from outside the cluster', () => {
    for (const service of manifests.filter((m) => m.kind === 'Service')) {
      expect(service.spec.type ?? 'ClusterIP', service.metadata.name).toBe('ClusterIP');
      expect(service.spec.externalIPs, service.metadata.name).toBeUndefined();
    }
  });

  it('points the dashboard at the management host, on the same site as DASHBOARD_ORIGIN', () => {
    const dashboardConfig = renderedNamed(rendered, 'ConfigMap', 'dashboard-config');
    const gatewayConfig = renderedNamed(rendered, 'ConfigMap', 'gateway-config');
    const api = new URL(dashboardConfig.data.GATEWAY_API_URL);
    const up = routeIngress(withAllowList(manifests, OPERATOR_NETWORK), {
      host: api.hostname,
      path: '/auth/session',
      remoteAddress: OPERATOR_ADDRESS,
    });
    expect(up && listenerOf(up)).toBe('management');
    expect(siteOf(api.hostname)).toBe(siteOf(new URL(gatewayConfig.data.DASHBOARD_ORIGIN.split(',')[0]).hostname));
    // Prometheus scrapes the listener that serves /metrics.
    expect(gateway.spec.template.metadata.annotations?.['prometheus.io/port']).toBe(String(MANAGEMENT_PORT));
  });

  it('catches an Ingress or a Service that leaks', () => {
    const leakyIngress = manifests.map((m) =>
      m.metadata.name === 'api-gateway'
        ? {
            ...m,
            spec: {
              ...m.spec,
              rules: [
                {
                  host: 'api.example.com',
                  http: {
                    paths: [
                      {
                        path: '/',
                        pathType: 'Prefix',
                        backend: { service: { name: 'gateway', port: { name: 'http' } } },
                      },
                    ],
                  },
                },
              ],
            },
          }
        : m,
    );
    expect(leaks((r) => routeIngress(leakyIngress, r), listenerOf, ['api.example.com'], ['203.0.113.7'])).toContain(
      '203.0.113.7 → api.example.com/metrics reaches the proxy listener',
    );
    const privateList = withAllowList(manifests, '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16');
    expect(leaks((r) => routeIngress(privateList, r), listenerOf, ['manage.example.com'], NODE_ADDRESSES)).not.toEqual(
      [],
    );
    const target = serviceTarget(manifests, 'gateway-management', { name: 'http' });
    expect(target).toEqual({ deployment: 'gateway', containerPort: MANAGEMENT_PORT });
  });
});

/** The registrable domain, for the example names (two labels; a public-suffix list is not needed here). */
function siteOf(hostname: string): string {
  return hostname === 'localhost' ? hostname : hostname.split('.').slice(-2).join('.');
}

describe('Compose: ports published beyond loopback', () => {
  const isLoopback = (ip: string | null) => ip !== null && (/^127\./.test(ip) || ip === '::1' || ip === '[::1]');

  /** Published ports that reach the gateway's management listener from beyond the machine. */
  function publicManagementPorts(compose: ComposeFile): string[] {
    const gateway = compose.services.gateway!;
    const managementPort = String(environmentOf(gateway).MANAGEMENT_PORT ?? MANAGEMENT_PORT);
    return publishedPorts(gateway)
      .filter((p) => p.target === managementPort && !isLoopback(p.hostIp))
      .map((p) => `${p.hostIp ?? '*'}:${p.published}→${p.target}`);
  }

  const local = parseCompose(readRepoFile('docker-compose.yml'));
  const prod = parseCompose(readRepoFile('deploy/docker-compose.prod.yml'));
  const prodVars = {
    GHCR_OWNER: 'acme',
    APP_VERSION: '1.2.3',
    GATEWAY_API_URL: 'https://manage.example.com',
    GATEWAY_PROXY_URL: 'https://api.example.com',
  };

  it('docker-compose.yml publishes the proxy, and the management listener on 127.0.0.1 only', () => {
    for (const env of [{}, parseEnv(readRepoFile('.env.example')) as Record<string, string>]) {
      const compose = interpolateTree(local, env);
      expect(publicManagementPorts(compose)).toEqual([]);
      expect(publishedPorts(compose.services.gateway!)).toContainEqual({
        hostIp: null,
        published: '3001',
        target: String(PROXY_PORT),
      });
      expect(publishedPorts(compose.services.gateway!)).toContainEqual({
        hostIp: '127.0.0.1',
        published: '3002',
        target: String(MANAGEMENT_PORT),
      });
    }
  });

  it.each([
    ['no .env', {}],
    ['deploy/.env.example', parseEnv(readRepoFile('deploy/.env.example')) as Record<string, string>],
    ['BIND_ADDRESS=0.0.0.0 (ports published directly)', { BIND_ADDRESS: '0.0.0.0' }],
  ])('deploy/docker-compose.prod.yml keeps the management listener on loopback with %s', (_, env) => {
    expect(publicManagementPorts(interpolateTree(prod, { ...prodVars, ...env }))).toEqual([]);
  });

  it('publishes the management listener beyond loopback only when MANAGEMENT_BIND_ADDRESS says so', () => {
    const opened = interpolateTree(prod, { ...prodVars, MANAGEMENT_BIND_ADDRESS: '0.0.0.0' });
    expect(publicManagementPorts(opened)).toEqual(['0.0.0.0:3002→3002']);
    const seed = parseCompose('services:\n  gateway:\n    image: x\n    ports: ["3002:3002"]\n');
    expect(publicManagementPorts(seed)).toEqual(['*:3002→3002']);
  });
});
