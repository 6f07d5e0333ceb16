import type { IncomingHttpHeaders } from 'node:http';
import { startUpstream } from './upstream.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An upstream that answers every request with 200 and a JSON echo of what it received, and keeps
 * the list of requests it saw (so tests can prove a rejected request never reached it, or what a
 * forwarded one turned into). `seen` may be emptied between tests (`seen.length = 0`).
 */
export async function startEchoUpstream() {
  const seen: SeenRequest[] = [];
  const upstream = await startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      const json = JSON.stringify({ method: entry.method, url: entry.url, headers: entry.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(req.method === 'HEAD' ? undefined : json);
    });
  });
  /** The request targets it saw, in order. */
  const urls = () => seen.map((r) => r.url);
  return { ...upstream, seen, urls };
}
