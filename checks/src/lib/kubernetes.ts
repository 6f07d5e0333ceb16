// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests are untyped JSON.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { addressSet, type FrontRequest, normalizedPath, type Upstream } from './http-front.js';
import { readRepoFile, repoPath } from './repo.js';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: any;
};

/** The ingress-nginx annotation that limits an Ingress to client networks. */
export const ALLOW_LIST_ANNOTATION = 'nginx.ingress.kubernetes.io/whitelist-source-range';

export function manifestsIn(file: string): Manifest[] {
  return parseAllDocuments(readRepoFile(`k8s/${file}`)).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
    return d.toJS() as Manifest;
  });
}

/** The manifest files of k8s/ (kustomization.yaml aside). */
export function manifestFiles(): string[] {
  return readdirSync(repoPath('k8s'))
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
}

/** What `kubectl apply -k <dir>` sends to the cluster: the kustomization rendered by kubectl itself. */
export function renderKustomization(dir: string = repoPath('k8s')): Manifest[] {
  return parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map(
    (d) => d.toJS() as Manifest,
  );
}

/**
 * Whether a rendered object is the one named `name`: the same name, or, for a ConfigMap or Secret that
 * a kustomize generator made, the name plus the generator's content hash (`-` and 10 characters).
 */
export function isNamed(doc: Manifest, kind: string, name: string): boolean {
  if (doc.kind !== kind) return false;
  if (doc.metadata.name === name) return true;
  return (kind === 'ConfigMap' || kind === 'Secret') && new RegExp(`^${name}-[a-z0-9]{10}$`).test(doc.metadata.name);
}

/** A rendered object by kind and name (generated ConfigMaps by the name before their hash); throws if absent. */
export function renderedNamed(docs: Manifest[], kind: string, name: string): Manifest {
  const found = docs.find((d) => isNamed(d, kind, name));
  if (!found) throw new Error(`no rendered ${kind} ${name}`);
  return structuredClone(found);
}

export function loadManifests(): { file: string; doc: Manifest }[] {
  return manifestFiles().flatMap((file) => manifestsIn(file).map((doc) => ({ file, doc })));
}

/** The container port a Service port leads to (by name or number), with the Deployment it selects. */
export function serviceTarget(
  manifests: Manifest[],
  serviceName: string,
  port: { name?: string; number?: number },
): { deployment: string; containerPort: number } {
  const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === serviceName);
  if (!service) throw new Error(`no Service ${serviceName}`);
  const servicePort = service.spec.ports.find((p: any) =>
    port.name !== undefined ? p.name === port.name : p.port === port.number,
  );
  if (!servicePort) throw new Error(`Service ${serviceName} has no port ${port.name ?? port.number}`);
  const deployment = manifests.find(
    (m) =>
      m.kind === 'Deployment' &&
      Object.entries(service.spec.selector).every(([k, v]) => m.spec.template.metadata.labels[k] === v),
  );
  if (!deployment) throw new Error(`Service ${serviceName} selects no Deployment`);
  const target = servicePort.targetPort ?? servicePort.port;
  const containerPort =
    typeof target === 'number'
      ? target
      : deployment.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === target)
          ?.containerPort;
  if (typeof containerPort !== 'number') throw new Error(`Service ${serviceName}: no container port ${target}`);
  return { deployment: deployment.metadata.name, containerPort };
}

/** The networks an Ingress admits: its allow-list annotation, or everyone. */
export function ingressAdmits(ingress: Manifest, address: string): boolean {
  const list = ingress.metadata.annotations?.[ALLOW_LIST_ANNOTATION];
  if (list === undefined) return true;
  return addressSet(list.split(',').map((s) => s.trim())).has(address);
}

function pathMatches(rule: { path?: string; pathType: string }, path: string): number {
  const pattern = rule.path ?? '/';
  if (rule.pathType === 'Exact') return path === pattern ? Number.MAX_SAFE_INTEGER : -1;
  if (rule.pathType !== 'Prefix') throw new Error(`pathType ${rule.pathType} is not modelled`);
  // Prefix matches whole path elements: /proxy matches /proxy and /proxy/x, not /proxyx.
  const base = pattern.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`) || base === '' ? base.length : -1;
}

/**
 * Where the Ingresses send a request (the Ingress API's matching: the host's rules across all Ingresses,
 * Exact before the longest Prefix): the Deployment and container port, or null (the controller's 404,
 * or 403 outside the allow-list).
 */
export function routeIngress(manifests: Manifest[], request: FrontRequest): Upstream {
  const path = normalizedPath(request.path);
  if (path === null) return null;
  let best: { score: number; ingress: Manifest; backend: any } | undefined;
  for (const ingress of manifests.filter((m) => m.kind === 'Ingress')) {
    for (const rule of ingress.spec.rules ?? []) {
      if ((rule.host ?? '') !== request.host) continue;
      for (const candidate of rule.http?.paths ?? []) {
        const score = pathMatches(candidate, path);
        if (score >= 0 && (!best || score > best.score)) best = { score, ingress, backend: candidate.backend };
      }
    }
  }
  if (!best || !ingressAdmits(best.ingress, request.remoteAddress)) return null;
  const { deployment, containerPort } = serviceTarget(manifests, best.backend.service.name, {
    name: best.backend.service.port.name,
    number: best.backend.service.port.number,
  });
  return { host: deployment, port: containerPort };
}
