// The benchmark's upstream: a tiny node:http server in its own process. Answers
//   /small  → a short JSON object
//   /4k     → 4 KiB of JSON
//   /10mb   → 10 MiB streamed in 64 KiB chunks (chunked encoding, honouring backpressure)
// Usage: node bench/upstream.mjs <port>   (listens on 127.0.0.1 only; prints "ready" when listening)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const SMALL = Buffer.from(JSON.stringify({ ok: true, id: 42, name: 'widget' }));
const FOUR_K = (() => {
  const head = '{"items":"';
  const tail = '"}';
  return Buffer.from(head + 'x'.repeat(4096 - head.length - tail.length) + tail);
})();
const CHUNK = Buffer.alloc(64 * 1024, 'a');
const STREAM_BYTES = 10 * 1024 * 1024;

function sendBuffer(res, body) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function stream(res) {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let left = STREAM_BYTES;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      const more = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      if (left === 0) break;
      if (!more) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

const server = createServer((req, res) => {
  // Drain any request body so keep-alive connections stay usable.
  req.resume();
  const url = req.url ?? '/';
  if (url.startsWith('/small')) return sendBuffer(res, SMALL);
  if (url.startsWith('/4k')) return sendBuffer(res, FOUR_K);
  if (url.startsWith('/10mb')) return stream(res);
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': 2 });
  res.end('{}');
});
// Longer than any client's idle timeout, so a pooled connection is never closed under a request.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`ready ${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
