// biome-ignore-all lint/suspicious/noExplicitAny: parsed manifests and schemas are untyped JSON.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { strictErrors } from './lib/k8s-strict.js';
import {
  renderedNamed as findRendered,
  loadManifests,
  type Manifest,
  manifestFiles,
  renderKustomization,
} from './lib/kubernetes.js';
import { existsInRepo, gatewayConfigDefault, gatewayConfigKeys, readRepoFile, repoPath } from './lib/repo.js';

const files = manifestFiles();
const all = loadManifests();
const byKind = (kind: string) => all.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const named = (kind: string, name: string) => {
  const found = byKind(kind).find((d) => d.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const workloads = [...byKind('Deployment'), ...byKind('Job')];
const podSpec = (w: Manifest) => w.spec.template.spec;
const kustomization = parseAllDocuments(readRepoFile('k8s/kustomization.yaml'))[0]?.toJS() as {
  namespace: string;
  resources: string[];
  images: { name: string; newTag?: string }[];
};

// What `kubectl apply -k k8s/` sends to the cluster.
const rendered = renderKustomization();
const renderedNamed = (kind: string, name: string) => findRendered(rendered, kind, name);
// The two ConfigMaps kustomize generates from k8s/*.env (configMapGenerator), with a content hash.
const GENERATED = ['gateway-config', 'dashboard-config'];

describe('k8s/ manifests, validated strictly (lib/k8s-strict.ts)', () => {
  it('kubectl kustomize renders them, and every rendered object passes', () => {
    // All files but the Secret template, plus the generated ConfigMaps.
    expect(rendered.length).toBe(all.length - 1 + GENERATED.length);
    expect(strictErrors(rendered)).toEqual([]);
    for (const doc of rendered) {
      if (doc.kind !== 'Namespace') expect(doc.metadata.namespace, doc.metadata.name).toBe(kustomization.namespace);
    }
  });

  it('the Secret template passes too', () => {
    expect(strictErrors([named('Secret', 'api-gateway-secrets')])).toEqual([]);
  });

  // Each case breaks one rendered object the way a hand edit would; each must be caught, by name.
  const broken: [string, (docs: Manifest[]) => void, RegExp][] = [
    [
      'a misspelt container field (readinesProbe)',
      (d) => {
        const c = d[0]!.spec.template.spec.containers[0];
        c.readinesProbe = c.readinessProbe;
        delete c.readinessProbe;
      },
      /containers\[0\]\.readinesProbe: .*'"readinesProbe"' does not exist in type 'IContainer'/,
    ],
    [
      'a misspelt pod security field (runAsNonRot)',
      (d) => {
        d[0]!.spec.template.spec.securityContext.runAsNonRot = true;
      },
      /securityContext\.runAsNonRot: .*does not exist in type 'IPodSecurityContext'/,
    ],
    [
      'an HPA whose maxReplicas is below minReplicas',
      (d) => {
        d[1]!.spec.maxReplicas = 1;
      },
      /HorizontalPodAutoscaler gateway at spec\.maxReplicas: must be greater than or equal to minReplicas \(2\)/,
    ],
    [
      'a port number written as a name',
      (d) => {
        d[0]!.spec.template.spec.containers[0].ports[0].containerPort = 'http';
      },
      /containerPort/,
    ],
    [
      'a missing required field (container name)',
      (d) => {
        delete d[0]!.spec.template.spec.containers[0].name;
      },
      /Property '"name"' is missing/,
    ],
    [
      'a selector that misses the template labels',
      (d) => {
        d[0]!.spec.template.metadata.labels = { 'app.kubernetes.io/name': 'other' };
      },
      /`selector` does not match template `labels`/,
    ],
    [
      'a mount of a volume the pod does not declare',
      (d) => {
        d[0]!.spec.template.spec.volumes = d[0]!.spec.template.spec.volumes.filter((v: any) => v.name !== 'tmp');
      },
      /volume tmp not found/,
    ],
    [
      'a probe on a port name the container lacks',
      (d) => {
        d[0]!.spec.template.spec.containers[0].livenessProbe.httpGet.port = 'proxi';
      },
      /livenessProbe: no container port proxi/,
    ],
    [
      'a port name longer than 15 characters',
      (d) => {
        d[0]!.spec.template.spec.containers[0].ports[1].name = 'management-listener';
      },
      /invalid port name management-listener/,
    ],
    [
      'a memory request above its limit',
      (d) => {
        d[0]!.spec.template.spec.containers[0].resources.requests.memory = '1Gi';
      },
      /resources\.requests\.memory: must be less than or equal to the limit/,
    ],
    [
      'a rolling update that may neither add nor remove a pod',
      (d) => {
        d[0]!.spec.strategy.rollingUpdate.maxSurge = 0;
      },
      /maxSurge and maxUnavailable may not both be 0/,
    ],
    [
      'an invalid label value',
      (d) => {
        (d[0]!.metadata.labels as Record<string, string>)['app.kubernetes.io/version'] = 'v1 beta';
      },
      /invalid label value v1 beta/,
    ],
    [
      'a PDB with both minAvailable and maxUnavailable',
      (d) => {
        d[2]!.spec.maxUnavailable = 1;
      },
      /minAvailable and maxUnavailable cannot be both set/,
    ],
    [
      'an init container named like the main container',
      (d) => {
        d[0]!.spec.template.spec.initContainers[0].name = 'gateway';
      },
      /duplicate container name/,
    ],
    [
      'a misspelt init-container field',
      (d) => {
        d[0]!.spec.template.spec.initContainers[0].comand = ['node'];
      },
      /initContainers\[0\]\.comand: .*does not exist in type 'IContainer'/,
    ],
  ];
  it.each(broken)('rejects %s', (_name, breakIt, message) => {
    const docs = [
      renderedNamed('Deployment', 'gateway'),
      renderedNamed('HorizontalPodAutoscaler', 'gateway'),
      renderedNamed('PodDisruptionBudget', 'gateway'),
    ];
    breakIt(docs); // the unbroken objects pass: the first test
    const errors = strictErrors(docs);
    expect(errors.join('\n')).toMatch(message);
  });

  it('cover everything the issue asks for, at current API versions', () => {
    // The files, plus what kustomize generates (the ConfigMaps).
    const kinds = [...all.map((m) => m.doc), ...rendered].map((d) => `${d.apiVersion}/${d.kind}`);
    for (const expected of [
      'v1/Namespace',
      'v1/ConfigMap',
      'v1/Secret',
      'apps/v1/Deployment',
      'v1/Service',
      'networking.k8s.io/v1/Ingress',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'policy/v1/PodDisruptionBudget',
      'networking.k8s.io/v1/NetworkPolicy',
    ]) {
      expect(kinds).toContain(expected);
    }
  });
});

describe('k8s/kustomization.yaml', () => {
  it('lists every manifest except the Secret template, and only files that exist', () => {
    const templates = files.filter((f) => f.includes('.template.'));
    expect(templates).toEqual(['secret.template.yaml']);
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => !templates.includes(f)));
    for (const resource of kustomization.resources) expect(existsInRepo(`k8s/${resource}`), resource).toBe(true);
  });

  it('pins a tag for every image the workloads use', () => {
    const images = new Set(workloads.flatMap((w) => podSpec(w).containers.map((c: { image: string }) => c.image)));
    for (const image of images) {
      const [name] = image.split(':');
      expect(
        kustomization.images.map((i) => i.name),
        image,
      ).toContain(name);
      expect(image).not.toMatch(/:latest$/);
    }
    for (const pin of kustomization.images) expect(pin.newTag).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the Secret template', () => {
  const secret = named('Secret', 'api-gateway-secrets');

  it('has keys and no values', () => {
    const values = { ...(secret.data ?? {}), ...(secret.stringData ?? {}) };
    expect(Object.keys(values).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(values)) expect(value, key).toBe('');
  });

  it('has every key the workloads read, each a variable the gateway knows', () => {
    const keys = Object.keys({ ...(secret.data ?? {}), ...(secret.stringData ?? {}) });
    const known = gatewayConfigKeys();
    for (const key of keys) expect(known.has(key), key).toBe(true);
    for (const w of workloads) {
      for (const c of [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers]) {
        for (const env of c.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (!ref) continue;
          expect(ref.name).toBe(secret.metadata.name);
          expect(keys, `${w.metadata.name}: ${ref.key}`).toContain(ref.key);
        }
      }
    }
  });
});

describe('workloads', () => {
  it('read only ConfigMaps that exist, with keys the gateway knows', () => {
    const known = gatewayConfigKeys();
    const configMaps = new Set(rendered.filter((d) => d.kind === 'ConfigMap').map((d) => d.metadata.name));
    for (const w of rendered.filter((d) => d.kind === 'Deployment')) {
      for (const c of [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers]) {
        for (const from of c.envFrom ?? [])
          expect(configMaps, from.configMapRef?.name).toContain(from.configMapRef?.name);
      }
    }
    for (const w of workloads) {
      for (const c of podSpec(w).containers) {
        for (const env of c.env ?? [])
          if (!env.valueFrom && w.metadata.name !== 'dashboard') expect(known.has(env.name)).toBe(true);
      }
    }
    for (const key of Object.keys(renderedNamed('ConfigMap', 'gateway-config').data))
      expect(known.has(key), key).toBe(true);
  });

  it('run as non-root on a read-only root filesystem, without privileges', () => {
    for (const w of workloads) {
      const spec = podSpec(w);
      expect(spec.securityContext?.runAsNonRoot, w.metadata.name).toBe(true);
      expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(spec.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
        expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
        expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
        // Writable paths are emptyDirs that the pod defines.
        const volumes = new Map(spec.volumes.map((v: { name: string }) => [v.name, v]));
        expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toContain('/tmp');
        for (const mount of c.volumeMounts)
          if (!mount.readOnly) expect(volumes.get(mount.name), mount.name).toHaveProperty('emptyDir');
      }
    }
  });

  it('request CPU and memory and cap memory', () => {
    for (const w of workloads) {
      for (const c of [...(podSpec(w).initContainers ?? []), ...podSpec(w).containers]) {
        expect(c.resources?.requests?.cpu, c.name).toBeTruthy();
        expect(c.resources?.requests?.memory, c.name).toBeTruthy();
        expect(c.resources?.limits?.memory, c.name).toBeTruthy();
      }
    }
  });
});

function probePort(container: any, port: string | number): number {
  if (typeof port === 'number') return port;
  const found = container.ports.find((p: { name: string }) => p.name === port);
  if (!found) throw new Error(`no container port named ${port}`);
  return found.containerPort;
}

describe('the gateway Deployment', () => {
  const deployment = named('Deployment', 'gateway');
  const container = podSpec(deployment).containers[0];
  const gatewaySource = readdirSync(repoPath('gateway/src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readRepoFile(`gateway/src/${f}`))
    .join('\n');

  // The management port (3002) and who may reach it: public-exposure.test.ts.
  it('listens on 3001 and probes /health (liveness, startup) and /ready (readiness) there', () => {
    expect(container.ports).toContainEqual({ name: 'proxy', containerPort: 3001, protocol: 'TCP' });
    const probes = {
      startup: container.startupProbe.httpGet,
      liveness: container.livenessProbe.httpGet,
      readiness: container.readinessProbe.httpGet,
    };
    expect(probes.startup.path).toBe('/health');
    expect(probes.liveness.path).toBe('/health');
    expect(probes.readiness.path).toBe('/ready');
    for (const probe of Object.values(probes)) expect(probePort(container, probe.port)).toBe(3001);
  });

  it('probes routes the gateway really serves', () => {
    for (const route of ['/health', '/ready']) expect(gatewaySource).toMatch(new RegExp(`['"\`]${route}['"\`]`));
  });

  it('is scaled by the HPA (CPU, from 2 replicas) and protected by the PDB', () => {
    const hpa = named('HorizontalPodAutoscaler', 'gateway');
    // replicas in the Deployment would fight the HPA on every apply.
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics.some((m: any) => m.resource?.name === 'cpu')).toBe(true);
    const pdb = named('PodDisruptionBudget', 'gateway');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    // A budget as large as the smallest replica count would block every node drain.
    expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('gets more time to stop than its own drain and the preStop pause take', () => {
    const grace = podSpec(deployment).terminationGracePeriodSeconds;
    const drainSeconds = gatewayConfigDefault('SHUTDOWN_TIMEOUT_MS') / 1000;
    const preStop = container.lifecycle.preStop.exec.command.join(' ');
    const pauseSeconds = Number(preStop.match(/setTimeout\(.*?, (\d+)\)/)?.[1]) / 1000;
    expect(pauseSeconds).toBeGreaterThan(0);
    expect(grace).toBeGreaterThan(drainSeconds + pauseSeconds);
  });
});

describe('the dashboard Deployment', () => {
  const container = podSpec(named('Deployment', 'dashboard')).containers[0];

  it('probes /api/runtime-config on 3000, a route the dashboard has', () => {
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet.path).toBe('/api/runtime-config');
      expect(probePort(container, probe.httpGet.port)).toBe(3000);
    }
    expect(existsInRepo('dashboard/app/api/runtime-config/route.ts')).toBe(true);
  });

  it('binds on all interfaces and gives Next a writable cache', () => {
    expect(container.env).toContainEqual({ name: 'HOSTNAME', value: '0.0.0.0' });
    expect(container.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toContain(
      '/app/dashboard/.next/cache',
    );
    expect(Object.keys(renderedNamed('ConfigMap', 'dashboard-config').data)).toEqual([
      'GATEWAY_API_URL',
      'GATEWAY_PROXY_URL',
    ]);
  });
});

describe('NetworkPolicies and the dashboard PDB', () => {
  const policyFor = (app: string): any =>
    byKind('NetworkPolicy').find((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/name'] === app);
  /** Which namespaces may open a connection to a named container port of a Deployment's pods. */
  const admitted = (app: string, portName: string): string[] =>
    (policyFor(app)?.spec.ingress ?? [])
      .filter((rule: any) => rule.ports.some((p: any) => p.port === portName))
      .flatMap((rule: any) => rule.from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']))
      .sort();

  it('each workload has a policy; the listeners admit the ingress namespace (and Prometheus for management) only', () => {
    for (const w of workloads) {
      const policy = policyFor(w.spec.template.metadata.labels['app.kubernetes.io/name']);
      expect(policy, w.metadata.name).toBeTruthy();
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      const ports = podSpec(w).containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
      for (const rule of policy.spec.ingress ?? []) {
        expect(rule.from.length, w.metadata.name).toBeGreaterThan(0); // an empty from admits everyone
        for (const p of rule.ports) expect(ports, w.metadata.name).toContain(p.port);
      }
    }
    expect(admitted('gateway', 'proxy')).toEqual(['ingress-nginx']);
    expect(admitted('gateway', 'management')).toEqual(['ingress-nginx', 'monitoring']);
    expect(admitted('dashboard', 'http')).toEqual(['ingress-nginx']);
  });

  it('a PDB keeps one dashboard pod through node drains without blocking them', () => {
    const pdb = named('PodDisruptionBudget', 'dashboard');
    const dashboard = named('Deployment', 'dashboard');
    expect(pdb.spec.selector.matchLabels).toEqual(dashboard.spec.template.metadata.labels);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(dashboard.spec.replicas);
  });
});

describe('Services, Ingress and the migration step', () => {
  it('Services select the Deployments and target named container ports', () => {
    for (const service of byKind('Service')) {
      const deployment = byKind('Deployment').find((d) =>
        Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(deployment, service.metadata.name).toBeTruthy();
      const portNames = podSpec(deployment!).containers.flatMap((c: any) => c.ports.map((p: any) => p.name));
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    }
  });

  it('the Ingresses route to existing Services and ports', () => {
    expect(
      byKind('Ingress')
        .map((i) => i.metadata.name)
        .sort(),
    ).toEqual(['api-gateway', 'api-gateway-management']);
    for (const ingress of byKind('Ingress')) {
      for (const rule of ingress.spec.rules) {
        for (const path of rule.http.paths) {
          const service = named('Service', path.backend.service.name);
          expect(service.spec.ports.map((p: any) => p.name)).toContain(path.backend.service.port.name);
        }
      }
    }
  });

  it('mounts an optional database CA bundle where the commented DATABASE_CA_FILE points, in both containers', () => {
    const spec = podSpec(named('Deployment', 'gateway'));
    const volume = spec.volumes.find((v: any) => v.name === 'database-ca');
    expect(volume.configMap).toEqual({ name: 'database-ca', optional: true });
    const documented = readRepoFile('k8s/gateway-config.env').match(/^# DATABASE_CA_FILE=(\S+)$/m)?.[1];
    expect(documented).toBeTruthy();
    for (const c of [...spec.initContainers, ...spec.containers]) {
      const mount = c.volumeMounts.find((m: any) => m.name === 'database-ca');
      expect(mount?.readOnly, c.name).toBe(true);
      expect(documented?.startsWith(`${mount?.mountPath}/`), c.name).toBe(true);
    }
    expect(gatewayConfigKeys().has('DATABASE_CA_FILE')).toBe(true);
  });

  it('each gateway pod migrates first, in an init container with DATABASE_URL as its only secret', () => {
    expect(byKind('Job')).toEqual([]);
    const spec = podSpec(named('Deployment', 'gateway'));
    const [init] = spec.initContainers;
    expect(spec.initContainers).toHaveLength(1);
    expect(init.command).toEqual(['node', 'gateway/dist/cli/migrate.js']);
    expect(existsInRepo('gateway/src/cli/migrate.ts')).toBe(true);
    expect(init.image).toBe(spec.containers[0].image);
    expect(init.env.map((e: any) => e.valueFrom?.secretKeyRef?.key)).toEqual(['DATABASE_URL']);
    expect(init.securityContext).toEqual(spec.containers[0].securityContext);
  });
});
