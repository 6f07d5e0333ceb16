// A Caddyfile reader and router for the subset deploy/Caddyfile uses, so the checks can ask "where does
// Caddy send this request?" without a Caddy binary. It follows Caddy's documented semantics: `{$VAR}`
// substituted before parsing, directives run in Caddy's fixed order (not file order), `handle` blocks
// are mutually exclusive and sorted the way the Caddyfile adapter sorts them, path matching is
// case-insensitive on the cleaned path. Anything outside the subset throws instead of being guessed.
import { addressSet, type FrontRequest, normalizedPath, parseUpstream, type Upstream } from './http-front.js';

export interface CaddyDirective {
  name: string;
  args: string[];
  block: CaddyDirective[] | null;
  line: number;
}

export interface CaddySite {
  addresses: string[];
  directives: CaddyDirective[];
}

/** Caddy's `private_ranges` shorthand (caddyhttp.PrivateRangesCIDR). */
const PRIVATE_RANGES = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8', '127.0.0.1/8', 'fd00::/8', '::1'];

/** Directives that do not decide where a request goes (they shape it or the response). */
const PASSIVE = new Set(['encode', 'header', 'log', 'tls', 'request_header']);
/** Caddy's directive order, restricted to the routing directives the router understands. */
const ORDER = ['redir', 'handle', 'respond', 'reverse_proxy'];

/** `{$VAR}` and `{$VAR:default}`, replaced before tokenizing (so a value may hold several tokens). */
export function substituteEnv(source: string, env: Record<string, string | undefined>): string {
  return source.replace(/\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (_, name: string, fallback?: string) => {
    const value = env[name];
    return value === undefined ? (fallback ?? '') : value;
  });
}

function tokenizeLines(source: string): { line: number; tokens: string[] }[] {
  const lines: { line: number; tokens: string[] }[] = [];
  source.split('\n').forEach((text, i) => {
    const tokens: string[] = [];
    for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)/g)) {
      if (m[3]?.startsWith('#')) break;
      tokens.push(m[1] ?? m[2] ?? (m[3] as string));
    }
    if (tokens.length) lines.push({ line: i + 1, tokens });
  });
  return lines;
}

function parseBlock(
  lines: { line: number; tokens: string[] }[],
  start: number,
): { directives: CaddyDirective[]; next: number } {
  const directives: CaddyDirective[] = [];
  let i = start;
  while (i < lines.length) {
    const { line, tokens } = lines[i] as { line: number; tokens: string[] };
    if (tokens.length === 1 && tokens[0] === '}') return { directives, next: i + 1 };
    const opens = tokens.at(-1) === '{';
    const [name, ...args] = opens ? tokens.slice(0, -1) : tokens;
    if (!name) throw new Error(`Caddyfile line ${line}: a block without a directive`);
    if (opens) {
      const inner = parseBlock(lines, i + 1);
      directives.push({ name, args, block: inner.directives, line });
      i = inner.next;
    } else {
      directives.push({ name, args, block: null, line });
      i++;
    }
  }
  if (start > 0) throw new Error('Caddyfile: unclosed block');
  return { directives, next: i };
}

/** Parses a Caddyfile (after `{$VAR}` substitution) into its site blocks. */
export function parseCaddyfile(source: string, env: Record<string, string | undefined>): CaddySite[] {
  const lines = tokenizeLines(substituteEnv(source, env));
  const sites: CaddySite[] = [];
  let i = 0;
  while (i < lines.length) {
    const { line, tokens } = lines[i] as { line: number; tokens: string[] };
    if (tokens.at(-1) !== '{') throw new Error(`Caddyfile line ${line}: expected a site block`);
    const addresses = tokens
      .slice(0, -1)
      .flatMap((t) => t.split(','))
      .filter(Boolean);
    if (!addresses.length) throw new Error(`Caddyfile line ${line}: a site block without an address`);
    if (addresses.some((a) => a.startsWith('(') || a.startsWith('&(')))
      throw new Error(`Caddyfile line ${line}: snippets and named routes are not modelled`);
    const block = parseBlock(lines, i + 1);
    sites.push({ addresses, directives: block.directives });
    i = block.next;
  }
  return sites;
}

/** The site serving a host name (exact address match, with or without a scheme or port). */
export function siteFor(sites: CaddySite[], host: string): CaddySite | undefined {
  const bare = (a: string) => a.replace(/^https?:\/\//, '').replace(/:\d+$/, '');
  return sites.find((s) => s.addresses.some((a) => bare(a) === host));
}

type Matcher = (request: FrontRequest, path: string) => boolean;

function pathMatcher(patterns: string[]): Matcher {
  const lowered = patterns.map((p) => p.toLowerCase());
  return (_request, path) =>
    lowered.some((p) => {
      const target = path.toLowerCase();
      if (p === '*') return true;
      if (p.endsWith('*') && !p.slice(0, -1).includes('*')) return target.startsWith(p.slice(0, -1));
      if (p.includes('*')) throw new Error(`path pattern ${p} is not modelled`);
      return target === p;
    });
}

function remoteIpMatcher(ranges: string[]): Matcher {
  if (!ranges.length) throw new Error('remote_ip without ranges (Caddy refuses to start)');
  const set = addressSet(ranges.flatMap((r) => (r === 'private_ranges' ? PRIVATE_RANGES : [r])));
  return (request) => set.has(request.remoteAddress);
}

function singleMatcher(name: string, args: string[], block: CaddyDirective[] | null, line: number): Matcher {
  switch (name) {
    case 'path':
      return pathMatcher(args);
    case 'remote_ip':
    case 'client_ip': // Without trusted_proxies, client_ip is the remote address.
      return remoteIpMatcher(args);
    case 'not': {
      const inner = block ? matcherSet(block) : singleMatcher(args[0] ?? '', args.slice(1), null, line);
      return (request, path) => !inner(request, path);
    }
    default:
      throw new Error(`Caddyfile line ${line}: matcher ${name} is not modelled`);
  }
}

function matcherSet(lines: CaddyDirective[]): Matcher {
  const all = lines.map((d) => singleMatcher(d.name, d.args, d.block, d.line));
  return (request, path) => all.every((m) => m(request, path));
}

interface Route {
  directive: CaddyDirective;
  matcher: Matcher | null;
  /** Length of the path when the matcher is a single path (the adapter's sort key), else 0. */
  pathLength: number;
  rest: string[];
}

function routesOf(directives: CaddyDirective[]): Route[] {
  const named = new Map<string, { matcher: Matcher; pathLength: number }>();
  for (const d of directives.filter((x) => x.name.startsWith('@'))) {
    const lines = d.block ?? [{ name: d.args[0] ?? '', args: d.args.slice(1), block: null, line: d.line }];
    const onlyPath = lines.length === 1 && lines[0]?.name === 'path';
    named.set(d.name, { matcher: matcherSet(lines), pathLength: onlyPath ? (lines[0]?.args[0]?.length ?? 0) : 0 });
  }
  const routes: Route[] = [];
  for (const directive of directives) {
    if (directive.name.startsWith('@') || PASSIVE.has(directive.name)) continue;
    if (!ORDER.includes(directive.name))
      throw new Error(`Caddyfile line ${directive.line}: directive ${directive.name} is not modelled`);
    const [first, ...others] = directive.args;
    if (first?.startsWith('@')) {
      const found = named.get(first);
      if (!found) throw new Error(`Caddyfile line ${directive.line}: no matcher ${first}`);
      routes.push({ directive, ...found, rest: others });
    } else if (first === '*') {
      routes.push({ directive, matcher: null, pathLength: 0, rest: others });
    } else if (first?.startsWith('/')) {
      routes.push({ directive, matcher: pathMatcher([first]), pathLength: first.length, rest: others });
    } else {
      routes.push({ directive, matcher: null, pathLength: 0, rest: directive.args });
    }
  }
  // Caddy's order between directives; between `handle`s the adapter's sort (longest single path first,
  // then those with any matcher before those without). Array.prototype.sort is stable, as Go's is.
  return routes.sort((a, b) => {
    const byName = ORDER.indexOf(a.directive.name) - ORDER.indexOf(b.directive.name);
    if (byName !== 0) return byName;
    if (a.pathLength === 0 && b.pathLength === 0) return Number(b.matcher !== null) - Number(a.matcher !== null);
    return b.pathLength - a.pathLength;
  });
}

type Outcome = { done: false } | { done: true; upstream: Upstream };

function run(directives: CaddyDirective[], request: FrontRequest, path: string): Outcome {
  let handled = false;
  for (const route of routesOf(directives)) {
    if (route.matcher && !route.matcher(request, path)) continue;
    switch (route.directive.name) {
      case 'handle': {
        // Handles are mutually exclusive: only the first matching one runs.
        if (handled) continue;
        handled = true;
        const outcome = run(route.directive.block ?? [], request, path);
        if (outcome.done) return outcome;
        break;
      }
      case 'redir':
      case 'respond':
        return { done: true, upstream: null };
      case 'reverse_proxy': {
        const targets = route.rest;
        if (targets.length !== 1) throw new Error(`reverse_proxy with ${targets.length} upstreams is not modelled`);
        return { done: true, upstream: parseUpstream(targets[0] as string) };
      }
    }
  }
  return { done: false };
}

/** Where Caddy sends the request: an upstream, or null when Caddy answers itself (404, 403, redirect). */
export function routeCaddy(sites: CaddySite[], request: FrontRequest): Upstream {
  const site = siteFor(sites, request.host);
  if (!site) return null;
  const path = normalizedPath(request.path);
  if (path === null) return null;
  const outcome = run(site.directives, request, path);
  return outcome.done ? outcome.upstream : null;
}
