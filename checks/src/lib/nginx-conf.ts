// An nginx configuration reader and router for the subset deploy/nginx/api-gateway.conf uses, so the
// checks can ask "where does nginx send this request?" without nginx. It follows nginx's documented
// rules: server chosen by listen port and server_name; location by `=` exact match, then the longest
// prefix (final if `^~`), then regexes in file order, else that longest prefix; allow/deny of the
// location, or inherited from the server when the location has none; `return` before proxy_pass.
// Anything outside the subset (nested locations, rewrite, if, …) throws instead of being guessed.
import { addressSet, type FrontRequest, normalizedPath, parseUpstream, type Upstream } from './http-front.js';

export interface NginxDirective {
  name: string;
  args: string[];
  block: NginxDirective[] | null;
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  const text = source.replace(/(^|\s)#[^\n]*/g, '$1');
  for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"']+)/g)) {
    tokens.push(m[1] ?? m[2] ?? m[3] ?? (m[4] as string));
  }
  return tokens;
}

function parseTokens(tokens: string[], start: number, nested: boolean): { directives: NginxDirective[]; next: number } {
  const directives: NginxDirective[] = [];
  let current: string[] = [];
  let i = start;
  while (i < tokens.length) {
    const token = tokens[i] as string;
    if (token === ';') {
      const [name, ...args] = current;
      if (name === undefined) throw new Error('nginx: empty directive');
      directives.push({ name, args, block: null });
      current = [];
      i++;
    } else if (token === '{') {
      const [name, ...args] = current;
      if (!name) throw new Error('nginx: block without a directive');
      const inner = parseTokens(tokens, i + 1, true);
      directives.push({ name, args, block: inner.directives });
      current = [];
      i = inner.next;
    } else if (token === '}') {
      if (!nested || current.length) throw new Error('nginx: unbalanced }');
      return { directives, next: i + 1 };
    } else {
      current.push(token);
      i++;
    }
  }
  if (nested || current.length) throw new Error('nginx: unexpected end of file');
  return { directives, next: i };
}

/** Parses an nginx configuration file (a conf.d snippet: http-context directives). */
export function parseNginxConf(source: string): NginxDirective[] {
  return parseTokens(tokenize(source), 0, false).directives;
}

export function serversOf(conf: NginxDirective[]): NginxDirective[] {
  return conf.filter((d) => d.name === 'server');
}

const all = (block: NginxDirective[] | null, name: string) => (block ?? []).filter((d) => d.name === name);

/** Ports a server listens on. */
export function listenPorts(server: NginxDirective): number[] {
  return all(server.block, 'listen').map((d) => Number((d.args[0] ?? '').match(/(\d+)$/)?.[1]));
}

/** The server for a host name and port (exact server_name; else the port's first server, nginx's default). */
export function serverFor(conf: NginxDirective[], host: string, port: number): NginxDirective | undefined {
  const onPort = serversOf(conf).filter((s) => listenPorts(s).includes(port));
  return onPort.find((s) => all(s.block, 'server_name').some((d) => d.args.includes(host))) ?? onPort[0];
}

interface Location {
  modifier: '=' | '^~' | '~' | '~*' | '';
  pattern: string;
  block: NginxDirective[];
}

function locationsOf(server: NginxDirective): Location[] {
  return all(server.block, 'location').map((d) => {
    const [first, second] = d.args;
    const hasModifier = d.args.length === 2;
    const modifier = (hasModifier ? first : '') as Location['modifier'];
    if (!['=', '^~', '~', '~*', ''].includes(modifier)) throw new Error(`nginx: location modifier ${modifier}`);
    if (all(d.block, 'location').length) throw new Error('nginx: nested locations are not modelled');
    return { modifier, pattern: (hasModifier ? second : first) as string, block: d.block ?? [] };
  });
}

/** nginx's location selection for a normalised URI. */
function selectLocation(locations: Location[], uri: string): Location | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.pattern === uri);
  if (exact) return exact;
  const prefixes = locations
    .filter((l) => (l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.pattern))
    .sort((a, b) => b.pattern.length - a.pattern.length);
  const longest = prefixes[0];
  if (longest?.modifier === '^~') return longest;
  const regex = locations.find(
    (l) =>
      (l.modifier === '~' || l.modifier === '~*') && new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(uri),
  );
  return regex ?? longest;
}

const MODELLED = new Set([
  'listen',
  'server_name',
  'http2',
  'ssl_certificate',
  'ssl_certificate_key',
  'client_max_body_size',
  'proxy_request_buffering',
  'proxy_buffering',
  'proxy_read_timeout',
  'proxy_http_version',
  'proxy_set_header',
  'allow',
  'deny',
  'return',
  'proxy_pass',
  'location',
]);

function checkModelled(block: NginxDirective[]): void {
  for (const d of block) {
    if (!MODELLED.has(d.name)) throw new Error(`nginx: directive ${d.name} is not modelled`);
    if (d.name === 'location') checkModelled(d.block ?? []);
  }
}

/** allow/deny rules in order; the first that matches decides; none matching means allowed. */
function allowed(rules: NginxDirective[], address: string): boolean {
  for (const rule of rules) {
    const target = rule.args[0] ?? '';
    if (target === 'all' || addressSet([target]).has(address)) return rule.name === 'allow';
  }
  return true;
}

/** Where nginx sends the request: an upstream, or null when nginx answers itself (return, 403, 404). */
export function routeNginx(conf: NginxDirective[], request: FrontRequest & { port: number }): Upstream {
  const server = serverFor(conf, request.host, request.port);
  if (!server) return null;
  checkModelled(server.block ?? []);
  // A server-level `return` runs in the rewrite phase, before any location is chosen.
  if (all(server.block, 'return').length) return null;
  const uri = normalizedPath(request.path);
  if (uri === null) return null;
  const location = selectLocation(locationsOf(server), uri);
  if (!location) return null;
  const accessRules = (block: NginxDirective[] | null) =>
    (block ?? []).filter((d) => d.name === 'allow' || d.name === 'deny');
  const rules = accessRules(location.block).length ? accessRules(location.block) : accessRules(server.block);
  if (!allowed(rules, request.remoteAddress)) return null;
  if (all(location.block, 'return').length) return null;
  const pass = all(location.block, 'proxy_pass')[0];
  return pass ? parseUpstream(pass.args[0] as string) : null;
}
