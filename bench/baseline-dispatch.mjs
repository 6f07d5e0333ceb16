// A second baseline: the same bare proxy as baseline-proxy.mjs, but streaming through an undici
// dispatch handler (the controller API) with one writeHead per response — the mechanism the gateway
// itself uses — instead of Pool.stream. `npm run bench -- --baseline=dispatch` compares the gateway
// with it, which isolates what the gateway's features cost from how it proxies.
// Usage: node bench/baseline-dispatch.mjs <port> <upstream base URL>
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const upstream = new URL(process.argv[3] ?? 'http://127.0.0.1:8080');
// Same pool settings as the gateway's (src/proxy/upstream.ts) so only the features differ.
const pool = new Pool(upstream.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 4_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'te', 'trailer']);

class Exchange {
  constructor(res) {
    this.res = res;
    this.awaitingDrain = false;
  }
  onRequestStart(controller) {
    this.res.once('close', () => {
      if (!this.res.writableFinished) controller.abort(new Error('client went away'));
    });
  }
  onResponseStart(_controller, statusCode, headers) {
    if (statusCode < 200) return;
    const out = [];
    for (const name in headers) if (!HOP_BY_HOP.has(name)) out.push(name, headers[name]);
    this.res.writeHead(statusCode, out);
  }
  onResponseData(controller, chunk) {
    if (!this.res.write(chunk) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      controller.pause();
      this.res.once('drain', () => {
        this.awaitingDrain = false;
        controller.resume();
      });
    }
  }
  onResponseEnd() {
    this.res.end();
  }
  onResponseError() {
    if (!this.res.headersSent) {
      this.res.statusCode = 502;
      this.res.end();
    } else this.res.destroy();
  }
}

const server = createServer((req, res) => {
  const headers = {};
  for (const name in req.headers) if (!HOP_BY_HOP.has(name)) headers[name] = req.headers[name];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  pool.dispatch({ path: req.url, method: req.method, headers, body: hasBody ? req : null }, new Exchange(res));
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
