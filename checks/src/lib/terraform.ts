// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose, GitHub Actions and Terraform syntax in literal strings.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** hcl2json's JSON form of one module (all its .tf files merged). Blocks are arrays of bodies. */
export interface TerraformModule {
  dir: string;
  files: string[];
  variables: Record<string, Record<string, unknown>>;
  outputs: Record<string, Record<string, unknown>>;
  locals: Map<string, unknown>;
  resources: Map<string, Record<string, unknown>>; // "type.name" → body
  data: Map<string, Record<string, unknown>>;
  modules: Record<string, Record<string, unknown>>;
  /** Every string in the module (expressions come as "${…}" strings). */
  strings: string[];
}

type Blocks = Record<string, Record<string, unknown>[]>;

function first(body: Record<string, unknown>[] | undefined): Record<string, unknown> {
  return body?.[0] ?? {};
}

function collectStrings(node: unknown, out: string[]): void {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const n of node) collectStrings(n, out);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) collectStrings(v, out);
}

/** Parses every .tf file in `dir` with HashiCorp's HCL parser (WebAssembly) and indexes the module. */
export async function loadModule(dir: string, root: string): Promise<TerraformModule> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const module: TerraformModule = {
    dir: relative(root, dir),
    files,
    variables: {},
    outputs: {},
    locals: new Map(),
    resources: new Map(),
    data: new Map(),
    modules: {},
    strings: [],
  };
  for (const file of files) {
    const json = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Record<string, unknown>;
    collectStrings(json, module.strings);
    for (const [name, body] of Object.entries((json.variable ?? {}) as Blocks)) module.variables[name] = first(body);
    for (const [name, body] of Object.entries((json.output ?? {}) as Blocks)) module.outputs[name] = first(body);
    for (const block of (json.locals ?? []) as Record<string, unknown>[]) {
      for (const [name, value] of Object.entries(block)) module.locals.set(name, value);
    }
    for (const [kind, target] of [
      ['resource', module.resources],
      ['data', module.data],
    ] as const) {
      for (const [type, instances] of Object.entries((json[kind] ?? {}) as Record<string, Blocks>)) {
        for (const [name, body] of Object.entries(instances)) target.set(`${type}.${name}`, first(body));
      }
    }
    for (const [name, body] of Object.entries((json.module ?? {}) as Blocks)) module.modules[name] = first(body);
  }
  return module;
}

/** Folders below `root` holding .tf files. */
export function moduleDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith('.tf'))) out.push(dir);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name));
  };
  walk(root);
  return out.sort();
}

/** Names matched by `pattern` (first group, or "g1.g2" with two groups) across the module's strings. */
export function references(module: TerraformModule, pattern: RegExp): Set<string> {
  const found = new Set<string>();
  for (const s of module.strings) {
    for (const m of s.matchAll(pattern)) found.add(m[2] ? `${m[1]}.${m[2]}` : (m[1] as string));
  }
  return found;
}

export const VAR_REF = /(?<![\w.-])var\.([A-Za-z_][\w-]*)/g;
export const LOCAL_REF = /(?<![\w.-])local\.([A-Za-z_][\w-]*)/g;
export const MODULE_REF = /(?<![\w.-])module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)/g;
export const DATA_REF = /(?<![\w.-])data\.([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)/g;
export const RESOURCE_REF = /(?<![\w.-])(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)/g;

/** Interpolations (`${name}`) and directives of a templatefile template, minus `$${…}` escapes. */
export function templateVariables(template: string): Set<string> {
  const unescaped = template.replaceAll('$${', '');
  const names = new Set<string>();
  for (const m of unescaped.matchAll(/\$\{\s*([A-Za-z_][\w]*)/g)) names.add(m[1] as string);
  for (const m of unescaped.matchAll(/%\{\s*(?:if|for\s+\w+(?:\s*,\s*\w+)?\s+in)\s+([A-Za-z_][\w]*)/g)) {
    names.add(m[1] as string);
  }
  return names;
}

/**
 * Resolves the path arguments of file()/templatefile() calls in a module to repository paths:
 * `${path.module}` and `${local.x}` (when the local is a plain string) are substituted.
 */
export function fileArguments(module: TerraformModule): { expression: string; path: string }[] {
  const resolve = (text: string, depth = 0): string =>
    depth > 5
      ? text
      : text.replaceAll('${path.module}', module.dir).replace(/\$\{local\.([\w-]+)\}/g, (whole, name: string) => {
          const value = module.locals.get(name);
          return typeof value === 'string' ? resolve(value, depth + 1) : whole;
        });
  const out: { expression: string; path: string }[] = [];
  for (const s of module.strings) {
    for (const m of s.matchAll(/\b(?:file|templatefile|filebase64)\(\s*"((?:[^"\\]|\\.)*)"/g)) {
      const expression = (m[1] as string).replaceAll('\\"', '"');
      out.push({ expression, path: resolve(expression) });
    }
  }
  return out;
}

/** The keys of the variables object passed to templatefile("<template>", { … }). */
export function templatefileKeys(module: TerraformModule, template: string): Set<string> {
  for (const s of module.strings) {
    const at = s.indexOf(`templatefile("\${path.module}/${template}"`);
    if (at < 0) continue;
    const body = s.slice(s.indexOf('{', at + 15));
    return new Set([...body.matchAll(/^\s*([A-Za-z_][\w]*)\s*=/gm)].map((m) => m[1] as string));
  }
  throw new Error(`${module.dir}: no templatefile call for ${template}`);
}
