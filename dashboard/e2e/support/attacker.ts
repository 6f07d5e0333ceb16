import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A hostile page that tries to act with the visitor's gateway session: it runs as soon as it loads and
 * writes what happened into `window.attack` (and the page, for traces). Every attempt names its key
 * "stolen-…", so a test can look for those keys afterwards.
 */
export function attackPage(managementUrl: string): string {
  const target = JSON.stringify(`${managementUrl}/keys`);
  const session = JSON.stringify(`${managementUrl}/auth/session`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Totally harmless page</title></head>
<body>
<h1>Totally harmless page</h1>
<pre id="log"></pre>
<form id="form" method="POST" action=${target} enctype="text/plain">
  <input type="hidden" name='{"name":"stolen-form","pad":"' value='"}'>
  <button type="submit">Claim your prize</button>
</form>
<script>
  const log = (what, result) => {
    window.attack[what] = result;
    document.getElementById('log').textContent += what + ': ' + result + '\\n';
  };
  window.attack = {};
  const outcome = (promise) =>
    promise.then((r) => (r.type === 'opaque' ? 'sent (opaque)' : 'status ' + r.status), (e) => 'blocked: ' + e.message);
  window.attackDone = Promise.all([
    // A JSON POST needs a CORS preflight, which only the dashboard's origin passes.
    outcome(fetch(${target}, { method: 'POST', credentials: 'include',
      headers: { 'content-type': 'application/json' }, body: '{"name":"stolen-fetch"}' })).then((r) => log('jsonFetch', r)),
    // A "simple" request skips the preflight and carries the cookie: the gateway itself must refuse it.
    outcome(fetch(${target}, { method: 'POST', mode: 'no-cors', credentials: 'include',
      headers: { 'content-type': 'text/plain' }, body: '{"name":"stolen-simple"}' })).then((r) => log('simpleFetch', r)),
    // Nor does a POST without a body (and so without a content type): only the Origin check stops it.
    outcome(fetch(${target}, { method: 'POST', mode: 'no-cors', credentials: 'include' })).then((r) => log('emptyFetch', r)),
    // Reading the victim's data needs CORS too.
    outcome(fetch(${session}, { credentials: 'include' })).then((r) => log('readSession', r)),
  ]).then(() => window.attack);
</script>
</body></html>`;
}

export interface AttackerServer {
  /** As a browser reaches it: on `localhost`, the same site as the dashboard and the gateway (ports do not count). */
  url: string;
  /** The same server by IP, for the gateway's INTERNAL_API_BASE_URL. */
  upstreamUrl: string;
  /** Which management API the page attacks (known only once its gateway runs). */
  target: string;
  /** Headers of every request the server received (to check what the gateway forwarded). */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * Serves `attackPage` on every path from a port of its own: another origin on the same host, or the
 * upstream behind a gateway's proxy listener.
 */
export async function startAttacker(target = ''): Promise<AttackerServer> {
  const requests: AttackerServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ path: req.url ?? '/', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(attackPage(attacker.target));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const attacker: AttackerServer = {
    url: `http://localhost:${port}`,
    upstreamUrl: `http://127.0.0.1:${port}`,
    target,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return attacker;
}
