// biome-ignore-all lint/suspicious/noExplicitAny: manifests are untyped JSON.
/**
 * Strict, offline validation of Kubernetes objects — what `kubectl apply --validate=strict` and the API
 * server would reject, without a cluster:
 *
 * 1. Unknown fields and wrong types. kubernetes-models generates a TypeScript interface per OpenAPI
 *    definition of the Kubernetes API (1.27). Each object becomes a typed object literal in a program
 *    that the TypeScript compiler checks: a misspelt field (`readinesProbe`, `runAsNonRot`) is an excess
 *    property of a fresh literal, a string where the schema wants an integer a type error, a missing
 *    required field (a container's `name`) a missing property. The JSON-schema validators that
 *    kubernetes-models also ships check types and formats but allow unknown fields, as the published
 *    schemas do; that is why the check needs both.
 * 2. Cross-field rules that no schema expresses but the API server enforces (its `validation.go` per
 *    kind): an HPA's maxReplicas below minReplicas, a Deployment whose selector misses its template's
 *    labels, a mount of an undeclared volume, a port name longer than 15 characters, … — the rules for
 *    the kinds this repository ships; kubernetes.test.ts breaks the main ones on purpose.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { repoPath } from './repo.js';

const require = createRequire(import.meta.url);

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: any;
};

/** Where each apiVersion's models live in kubernetes-models (core `v1` has no group). */
function modelModule(doc: K8sObject): string {
  return `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
}

function label(doc: K8sObject): string {
  return `${doc.kind} ${doc.metadata?.name ?? '(unnamed)'}`;
}

const declarationCache = new Map<string, ts.SourceFile>();

/** Type-level problems (unknown fields, wrong types, missing required fields), one message per problem. */
export function typeErrors(docs: K8sObject[]): string[] {
  const errors: string[] = [];
  const lines: string[] = [];
  const spans: { start: number; end: number; doc: K8sObject }[] = [];
  let offset = 0;
  const push = (line: string) => {
    lines.push(line);
    offset += line.length + 1;
  };
  docs.forEach((doc, i) => {
    try {
      require.resolve(modelModule(doc));
    } catch {
      errors.push(`${label(doc)}: no schema for ${doc.apiVersion}/${doc.kind}`);
      return;
    }
    push(`import type { I${doc.kind} as T${i} } from '${modelModule(doc)}';`);
  });
  docs.forEach((doc, i) => {
    const start = offset;
    push(`export const o${i}: T${i} = ${JSON.stringify(doc, null, 1)};`);
    spans.push({ start, end: offset, doc });
  });
  // The virtual file sits in checks/src so that node_modules resolve as for the tests themselves.
  const fileName = join(dirname(repoPath('checks/src/x')), '__k8s_strict__.ts');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => {
    if (name === fileName) return ts.createSourceFile(name, source, version);
    // The library's declarations do not change between calls: parse them once.
    let parsed = declarationCache.get(name);
    if (!parsed) {
      parsed = getSourceFile(name, version, ...rest);
      if (parsed) declarationCache.set(name, parsed);
    }
    return parsed;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);
  for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
    const at = d.start ?? 0;
    const doc = spans.find((s) => at >= s.start && at < s.end)?.doc;
    const path = doc && file ? jsonPathAt(file, at) : '';
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    errors.push(`${doc ? label(doc) : 'imports'}${path ? ` at ${path}` : ''}: ${text}`);
  }
  return errors;
}

/** The JSON path (spec.template.spec.containers[0]) of the property at a position of the virtual file. */
function jsonPathAt(file: ts.SourceFile, position: number): string {
  const parts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (position < node.getStart(file) || position >= node.getEnd()) return;
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.name)) parts.push(node.name.text);
    if (ts.isArrayLiteralExpression(node)) {
      const index = node.elements.findIndex((e) => position >= e.getStart(file) && position < e.getEnd());
      if (index >= 0) parts.push(`[${index}]`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return parts.join('.').replace(/\.\[/g, '[');
}

/** Types and formats per the OpenAPI schemas (kubernetes-models' ajv validators). */
export function schemaErrors(doc: K8sObject): string[] {
  try {
    const Model = require(modelModule(doc))[doc.kind] as new (data: unknown) => { validate(): void };
    new Model(doc).validate();
    return [];
  } catch (error) {
    return [`${label(doc)}: ${(error as Error).message}`];
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function podSpecOf(doc: K8sObject): any | undefined {
  if (doc.kind === 'Pod') return doc.spec;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(doc.kind))
    return doc.spec?.template?.spec;
  if (doc.kind === 'CronJob') return doc.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

/** Quantities as the API server parses them, in base units (bytes, cores). */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(value);
  if (!m) return Number.NaN;
  const factors: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
  };
  return Number(m[1]) * (m[2] ? (factors[m[2]] ?? Number.NaN) : 1);
}

/** The API server's cross-field rules for the kinds this repository ships. */
export function serverRuleErrors(doc: K8sObject): string[] {
  const errors: string[] = [];
  const fail = (path: string, message: string) => errors.push(`${label(doc)} at ${path}: ${message}`);
  const meta = doc.metadata ?? {};
  if (!meta.name) fail('metadata.name', 'Required value');
  else if (!(doc.kind === 'Namespace' || doc.kind === 'Service' ? DNS_LABEL : DNS_SUBDOMAIN).test(meta.name))
    fail('metadata.name', `invalid name ${meta.name}`);
  for (const [key, value] of Object.entries<string>(meta.labels ?? {})) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) fail(`metadata.labels.${key}`, `invalid label value ${value}`);
  }

  const spec = podSpecOf(doc);
  if (spec) {
    const volumes = new Set((spec.volumes ?? []).map((v: any) => v.name));
    if (volumes.size !== (spec.volumes ?? []).length) fail('spec.volumes', 'duplicate volume name');
    const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    const names = new Set(all.map((c: any) => c.name));
    if (names.size !== all.length) fail('spec.containers', 'duplicate container name');
    for (const c of all) {
      const at = `containers[${c.name}]`;
      if (!DNS_LABEL.test(c.name ?? '')) fail(`${at}.name`, 'invalid container name');
      const portNames = (c.ports ?? []).map((p: any) => p.name).filter(Boolean);
      if (new Set(portNames).size !== portNames.length) fail(`${at}.ports`, 'duplicate port name');
      for (const p of c.ports ?? []) {
        if (p.name !== undefined && (p.name.length > 15 || !IANA_SVC_NAME.test(p.name)))
          fail(`${at}.ports`, `invalid port name ${p.name} (IANA_SVC_NAME, at most 15 characters)`);
        if (!(p.containerPort >= 1 && p.containerPort <= 65535)) fail(`${at}.ports`, 'containerPort out of range');
      }
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) fail(`${at}.volumeMounts`, `volume ${m.name} not found`);
      }
      for (const e of c.env ?? []) if (!ENV_NAME.test(e.name)) fail(`${at}.env`, `invalid variable name ${e.name}`);
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const p = c[probe];
        if (!p) continue;
        const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => p[h] !== undefined);
        if (handlers.length !== 1) fail(`${at}.${probe}`, 'must specify exactly one handler');
        const port = p.httpGet?.port ?? p.tcpSocket?.port;
        if (typeof port === 'string' && !portNames.includes(port)) fail(`${at}.${probe}`, `no container port ${port}`);
        if (probe !== 'readinessProbe' && p.successThreshold !== undefined && p.successThreshold !== 1)
          fail(`${at}.${probe}.successThreshold`, 'must be 1');
      }
      for (const resource of Object.keys(c.resources?.limits ?? {})) {
        const request = c.resources?.requests?.[resource];
        if (request !== undefined && quantity(request) > quantity(c.resources.limits[resource]))
          fail(`${at}.resources.requests.${resource}`, 'must be less than or equal to the limit');
      }
    }
    if (doc.kind === 'Job' || doc.kind === 'CronJob') {
      if (!['Never', 'OnFailure'].includes(spec.restartPolicy))
        fail('spec.template.spec.restartPolicy', 'a Job needs Never or OnFailure');
    } else if (doc.kind !== 'Pod' && spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
      fail('spec.template.spec.restartPolicy', 'must be Always');
    }
  }

  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(doc.kind)) {
    const selector = doc.spec?.selector?.matchLabels ?? {};
    const labels = doc.spec?.template?.metadata?.labels ?? {};
    if (Object.keys(selector).length === 0 && !doc.spec?.selector?.matchExpressions)
      fail('spec.selector', 'Required value');
    for (const [k, v] of Object.entries(selector))
      if (labels[k] !== v) fail('spec.template.metadata.labels', '`selector` does not match template `labels`');
  }
  if (doc.kind === 'Deployment') {
    const ru = doc.spec?.strategy?.rollingUpdate;
    if (ru && (ru.maxSurge === 0 || ru.maxSurge === '0%') && (ru.maxUnavailable === 0 || ru.maxUnavailable === '0%'))
      fail('spec.strategy.rollingUpdate', 'maxSurge and maxUnavailable may not both be 0');
  }
  if (doc.kind === 'HorizontalPodAutoscaler') {
    const min = doc.spec?.minReplicas ?? 1;
    const max = doc.spec?.maxReplicas;
    if (min < 1) fail('spec.minReplicas', 'must be greater than or equal to 1');
    if (!(max >= min)) fail('spec.maxReplicas', `must be greater than or equal to minReplicas (${min})`);
  }
  if (doc.kind === 'PodDisruptionBudget') {
    if (doc.spec?.minAvailable !== undefined && doc.spec?.maxUnavailable !== undefined)
      fail('spec', 'minAvailable and maxUnavailable cannot be both set');
  }
  if (doc.kind === 'Service') {
    const ports = doc.spec?.ports ?? [];
    if (ports.length > 1 && ports.some((p: any) => !p.name)) fail('spec.ports', 'each port needs a name');
    if (new Set(ports.map((p: any) => p.name)).size !== ports.length) fail('spec.ports', 'duplicate port name');
  }
  if (doc.kind === 'Ingress') {
    for (const rule of doc.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        if (path.pathType !== 'ImplementationSpecific' && !String(path.path ?? '').startsWith('/'))
          fail('spec.rules.http.paths', `path ${path.path} must be absolute`);
      }
    }
  }
  return errors;
}

/** Every problem the strict validation finds in a set of objects (empty when all would be admitted). */
export function strictErrors(docs: K8sObject[]): string[] {
  return [...typeErrors(docs), ...docs.flatMap(schemaErrors), ...docs.flatMap(serverRuleErrors)];
}
