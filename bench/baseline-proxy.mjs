// The baseline: the barest reasonable Node reverse proxy — node:http server + undici Pool.stream,
// streaming both ways, no auth, no rate limit, no logging, no metrics. What the gateway is compared to.
// Usage: node bench/baseline-proxy.mjs <port> <upstream base URL>
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const upstream = new URL(process.argv[3] ?? 'http://127.0.0.1:8080');
// Same pool settings as the gateway's (src/proxy/upstream.ts) so only the features differ.
const pool = new Pool(upstream.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 4_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'te', 'trailer']);

const server = createServer((req, res) => {
  const headers = {};
  for (const name in req.headers) if (!HOP_BY_HOP.has(name)) headers[name] = req.headers[name];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  pool
    .stream({ path: req.url, method: req.method, headers, body: hasBody ? req : null }, ({ statusCode, headers }) => {
      res.statusCode = statusCode;
      for (const name in headers) if (!HOP_BY_HOP.has(name)) res.setHeader(name, headers[name]);
      return res;
    })
    .catch(() => {
      if (!res.headersSent) {
        res.statusCode = 502;
        res.end();
      } else res.destroy();
    });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
