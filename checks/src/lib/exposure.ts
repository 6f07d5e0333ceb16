// What "exposed" means for the gateway, shared by the checks of every deployment path: the listeners,
// the requests a front is probed with, the addresses they come from, and what counts as a leak.
import { readdirSync } from 'node:fs';
import type { FrontRequest, Upstream } from './http-front.js';
import { gatewayConfigDefault, readRepoFile, repoPath } from './repo.js';

export const PROXY_PORT = gatewayConfigDefault('PORT');
export const MANAGEMENT_PORT = gatewayConfigDefault('MANAGEMENT_PORT');

/** Clients on the internet (documentation ranges). */
export const PUBLIC_ADDRESSES = ['203.0.113.7', '2001:db8::7'];
/** How a client looks to Caddy behind Docker's userland proxy (IPv6 to an IPv4-only network, hairpin). */
export const DOCKER_BRIDGE_ADDRESSES = ['172.17.0.1', '172.18.0.1'];
/** How a client looks to an ingress controller behind a load balancer that SNATs (a node address). */
export const NODE_ADDRESSES = ['10.0.0.12', '192.168.1.20'];
/** Where operators are in the positive checks (a documentation range put on the allow-list). */
export const OPERATOR_NETWORK = '198.51.100.0/24';
export const OPERATOR_ADDRESS = '198.51.100.7';

/** The management routes the gateway declares (`router.get('/keys/:id'` …), parameters filled in. */
export function gatewayManagementRoutes(): string[] {
  const dir = repoPath('gateway/src/routes');
  const source = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readRepoFile(`gateway/src/routes/${f}`))
    .join('\n');
  const routes = [...source.matchAll(/\.(?:get|post|put|patch|delete|all)\(\s*['"`](\/[^'"`]*)['"`]/g)].map((m) =>
    (m[1] as string).replace(/:\w+/g, 'x'),
  );
  if (routes.length < 5) throw new Error('gateway/src/routes: could not read the route paths');
  return [...new Set(routes)].filter((r) => !isProxyRoute(r));
}

/** What the public may reach: the proxy listener's routes. */
export function isProxyRoute(rawPath: string): boolean {
  const path = rawPath.split('?')[0] ?? '';
  return path === '/proxy' || path.startsWith('/proxy/') || path === '/health' || path === '/ready';
}

export const PROXY_PROBES = ['/proxy', '/proxy/', '/proxy/v1/items?limit=1', '/health', '/ready'];
export const MANAGEMENT_PROBES = [
  ...new Set([
    '/',
    '/metrics',
    '/metrics/',
    '/METRICS',
    '/Metrics?x=1',
    '//metrics',
    '/proxy/../metrics',
    '/proxy/%2e%2e/metrics',
    '/health/../keys',
    '/proxyx',
    '/healthz',
    '/auth/providers',
    '/auth/email',
    '/auth/email/verify',
    '/auth/oidc/start',
    '/auth/oidc/callback',
    '/auth/session',
    '/auth/sessions',
    '/users',
    '/users/by-email',
    '/keys',
    '/keys/x',
    '/usage',
    '/usage/x',
    '/settings',
    '/tokens',
    '/audit',
    '/audit/export',
    '/routes',
    '/plans',
    '/webhooks',
    ...gatewayManagementRoutes(),
  ]),
];

export type Listener = 'proxy' | 'management' | 'other';

/**
 * Requests from `addresses` to `hosts` that a front sends where they must not go: the management
 * listener at all, or the proxy listener outside its own routes (the management API and /metrics
 * live on the management listener, and the public host must not grow new routes by accident).
 */
export function leaks(
  route: (request: FrontRequest) => Upstream,
  listenerOf: (upstream: NonNullable<Upstream>) => Listener,
  hosts: string[],
  addresses: string[],
): string[] {
  const found: string[] = [];
  for (const host of hosts) {
    for (const remoteAddress of addresses) {
      for (const path of [...PROXY_PROBES, ...MANAGEMENT_PROBES]) {
        const upstream = route({ host, path, remoteAddress });
        if (!upstream) continue;
        const listener = listenerOf(upstream);
        if (listener === 'management' || (listener === 'proxy' && !isProxyRoute(path)))
          found.push(`${remoteAddress} → ${host}${path} reaches the ${listener} listener`);
      }
    }
  }
  return found;
}

/** Which gateway listener an upstream is, when `gatewayHost` names the gateway (a service, an address). */
export function listenerAt(upstream: NonNullable<Upstream>, gatewayHost: string, port = upstream.port): Listener {
  if (upstream.host !== gatewayHost) return 'other';
  return port === MANAGEMENT_PORT ? 'management' : port === PROXY_PORT ? 'proxy' : 'other';
}
