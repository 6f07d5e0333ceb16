// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests are untyped JSON.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoPath } from './lib/repo.js';

// k8s/gateway-api: HTTPRoutes beside (or instead of) the ingress-nginx Ingresses. No Gateway API
// schema is available offline here, so what the routes mean is checked against the main manifests:
// which paths reach which Service, on which Gateway.
const render = (dir: string) =>
  parseAllDocuments(execFileSync('kubectl', ['kustomize', repoPath(dir)], { encoding: 'utf8' })).map(
    (d) => d.toJS() as any,
  );
const routes = render('k8s/gateway-api');
const main = render('k8s');
const route = (name: string) => {
  const found = routes.find((r) => r.metadata.name === name);
  if (!found) throw new Error(`no HTTPRoute ${name}`);
  return found;
};
const service = (name: string) => main.find((d) => d.kind === 'Service' && d.metadata.name === name);
/** `[path type, value, service, weight]` of every match of a route. */
const reach = (r: any) =>
  r.spec.rules.flatMap((rule: any) =>
    rule.matches.flatMap((m: any) =>
      rule.backendRefs.map((b: any) => [m.path.type, m.path.value, b.name, b.weight ?? 1]),
    ),
  );

describe('k8s/gateway-api HTTPRoutes', () => {
  it('are HTTPRoutes of gateway.networking.k8s.io/v1 in the workloads namespace', () => {
    expect(routes.map((r) => `${r.apiVersion} ${r.kind}`)).toEqual(
      Array(3).fill('gateway.networking.k8s.io/v1 HTTPRoute'),
    );
    for (const r of routes) expect(r.metadata.namespace).toBe('api-gateway');
  });

  it('the public proxy route reaches /proxy, /health and /ready on the proxy listener, and nothing else', () => {
    const proxy = route('api-gateway-proxy');
    expect(reach(proxy)).toEqual([
      ['PathPrefix', '/proxy', 'gateway', 1],
      ['Exact', '/health', 'gateway', 1],
      ['Exact', '/ready', 'gateway', 1],
    ]);
    // The Service behind it leads to the proxy listener's port, never management.
    expect(service('gateway').spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([[80, 'proxy']]);
  });

  it('the management API is on an internal Gateway only, and /metrics is never forwarded', () => {
    const publicParents = new Set(route('api-gateway-proxy').spec.parentRefs.map((p: any) => p.name));
    const management = route('api-gateway-management');
    for (const parent of management.spec.parentRefs) expect(publicParents).not.toContain(parent.name);
    expect(reach(management)).toEqual([
      ['PathPrefix', '/', 'gateway-management', 1],
      ['PathPrefix', '/metrics', 'gateway-management', 0],
    ]);
    for (const r of routes.filter((x) => x.metadata.name !== 'api-gateway-management')) {
      for (const [, , backend] of reach(r)) expect(backend).not.toBe('gateway-management');
    }
  });

  it('every backend is a Service of k8s/ on a port it has', () => {
    for (const r of routes) {
      for (const rule of r.spec.rules) {
        for (const b of rule.backendRefs) {
          const svc = service(b.name);
          expect(svc, `${r.metadata.name} → ${b.name}`).toBeDefined();
          expect(svc.spec.ports.map((p: any) => p.port)).toContain(b.port);
        }
      }
    }
  });
});
