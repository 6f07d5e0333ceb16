import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Agent, request } from 'undici';
import type { TestGateway } from './gateway.js';

export interface CreatedKey {
  id: string;
  key: string;
  userId: string;
}

let userSeq = 0;

/** Creates a user and an API key for it through the management API. */
export async function createKey(
  gw: TestGateway,
  opts: {
    limitPerMinute?: number;
    limitPerDay?: number;
    expiresAt?: string;
    userId?: string;
    planId?: string;
    scopes?: { route: string; methods?: string[] }[] | null;
    allowedIps?: string[] | null;
  } = {},
): Promise<CreatedKey> {
  let userId = opts.userId;
  if (!userId) {
    const res = await gw.admin('/users', {
      method: 'POST',
      body: JSON.stringify({ email: `proxy-${process.pid}-${Date.now()}-${userSeq++}@example.com` }),
    });
    if (res.status !== 201) throw new Error(`POST /users → ${res.status}: ${await res.text()}`);
    userId = ((await res.json()) as { user: { id: string } }).user.id;
  }
  const res = await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ ...opts, userId }) });
  if (res.status !== 201) throw new Error(`POST /keys → ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { id: string; key: string };
  return { id: body.id, key: body.key, userId };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request through node:http with the path sent exactly as given (fetch and URL normalise `..`
 * and percent-encoding away, which is what path-traversal tests must not let happen).
 */
export function rawRequest(
  baseUrl: string,
  opts: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: Buffer | string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An undici Agent with enough sockets that `n` requests really are in flight at once. */
export function concurrentAgent(connections = 256): Agent {
  return new Agent({ connections, pipelining: 1 });
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Fires `n` GETs at once and collects every answer. */
export async function burst(agent: Agent, url: string, key: string, n: number): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await request(url, { dispatcher: agent, headers: { 'x-api-key': key } });
      const body = await res.body.text();
      return { status: res.statusCode, headers: res.headers as Record<string, string>, body };
    }),
  );
}

export function countByStatus(answers: { status: number }[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
