import { parse } from 'yaml';

/** One `${…}` reference found in a Compose file. */
export interface VariableReference {
  name: string;
  /** `:-` / `-` default, `:?` / `?` required, or none. */
  modifier: ':-' | '-' | ':?' | '?' | ':+' | '+' | null;
  /** The default (or the error message for `?`). */
  argument: string | null;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every variable reference in a string (`$$` is an escaped dollar, not a reference). */
export function variableReferences(value: string): VariableReference[] {
  const out: VariableReference[] = [];
  const text = value.replaceAll('$$', '');
  for (const m of text.matchAll(REFERENCE)) {
    out.push({
      name: (m[1] ?? m[4]) as string,
      modifier: (m[2] as VariableReference['modifier']) ?? null,
      argument: m[3] ?? null,
    });
  }
  return out;
}

/**
 * Compose's interpolation (the subset of the spec we use): `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `$VAR` and `$$`.
 * Throws like Compose does when a required variable is missing.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  const ESCAPED = '\u0000';
  return value
    .replaceAll('$$', ESCAPED)
    .replace(
      REFERENCE,
      (
        _match,
        braced: string | undefined,
        modifier: string | undefined,
        argument: string | undefined,
        bare: string | undefined,
      ) => {
        const name = (braced ?? bare) as string;
        const current = env[name];
        const unsetOrEmpty = current === undefined || current === '';
        switch (modifier) {
          case ':-':
            return unsetOrEmpty ? interpolate(argument ?? '', env) : (current as string);
          case '-':
            return current === undefined ? interpolate(argument ?? '', env) : current;
          case ':?':
            if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${argument ?? ''}`);
            return current as string;
          case '?':
            if (current === undefined)
              throw new Error(`required variable ${name} is missing a value: ${argument ?? ''}`);
            return current;
          case ':+':
            return unsetOrEmpty ? '' : interpolate(argument ?? '', env);
          case '+':
            return current === undefined ? '' : interpolate(argument ?? '', env);
          default:
            return current ?? '';
        }
      },
    )
    .replaceAll(ESCAPED, '$');
}

/** Applies `interpolate` to every string in a parsed YAML tree (keys stay as they are). */
export function interpolateTree<T>(node: T, env: Record<string, string | undefined>): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)])) as T;
  }
  return node;
}

/** Every string value of a tree with its path, for the secret rules. */
export function stringLeaves(node: unknown, path: string[] = []): { path: string[]; value: string }[] {
  if (typeof node === 'string') return [{ path, value: node }];
  if (typeof node === 'number' || typeof node === 'boolean') return [{ path, value: String(node) }];
  if (Array.isArray(node)) return node.flatMap((n, i) => stringLeaves(n, [...path, String(i)]));
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  }
  return [];
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target: string })[];
  profiles?: string[];
  restart?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Parses a Compose file (YAML anchors and merge keys resolved, as Compose does). */
export function parseCompose(source: string): ComposeFile {
  return parse(source, { merge: true }) as ComposeFile;
}

/** `environment` in either form, as a map. */
export function environmentOf(service: ComposeService): Record<string, string | null> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, null] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? null : String(v)]));
}

/** Published ports as `{ published, target }`, from short (`"127.0.0.1:3001:3001"`) or long syntax. */
export function publishedPorts(
  service: ComposeService,
): { hostIp: string | null; published: string; target: string }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return { hostIp: p.host_ip ?? null, published: String(p.published ?? ''), target: String(p.target) };
    }
    const [spec] = String(p).split('/');
    const parts = (spec ?? '').split(':');
    const target = parts.pop() ?? '';
    const published = parts.pop() ?? '';
    return { hostIp: parts.length ? parts.join(':') : null, published, target };
  });
}

/** depends_on in either form, as a map of service → condition. */
export function dependenciesOf(service: ComposeService): Record<string, { condition: string; required: boolean }> {
  const deps = service.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps))
    return Object.fromEntries(deps.map((d) => [d, { condition: 'service_started', required: true }]));
  return Object.fromEntries(
    Object.entries(deps).map(([k, v]) => [
      k,
      { condition: v.condition ?? 'service_started', required: v.required ?? true },
    ]),
  );
}
