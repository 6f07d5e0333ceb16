import { posix } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { type CreatedKey, createKey, rawRequest } from '../support/proxy-client.js';
import { rawConversation, rawExchange, rawUpload } from '../support/raw-http.js';

// test/proxy/path-traversal.test.ts lists the known traversal spellings; this generates millions of
// possible ones from their building blocks and checks the one property that matters.
describe('/proxy path traversal, property-based', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: `${upstream.url}/api` });
    key = (await createKey(gw, { limitPerMinute: 1_000_000 })).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const piece = fc.constantFrom(
    '..',
    '.',
    '%2e',
    '%2E',
    '%2e%2e',
    '.%2e',
    '%2e.',
    '%252e%252e',
    '%2f',
    '%2F',
    '%5c',
    '%5C',
    '\\',
    '%00',
    ';',
    '%3b',
    'a',
    'admin',
    '%c0%ae',
    '%e0%80%ae',
    '%u002e',
    '..%00',
    '~',
    '%7e',
    '//',
    '?x=..',
    '#',
  );
  const path = fc.array(
    fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join('')),
    {
      minLength: 1,
      maxLength: 6,
    },
  );

  /** Whether an upstream path, read the ways an upstream might read it, stays under /api. */
  function staysUnderBase(url: string): boolean {
    const p = url.split('?')[0]!;
    const whatwg = new URL(p, 'http://upstream').pathname; // resolves . .. %2e %2e%2e
    let decoded: string;
    try {
      decoded = decodeURIComponent(p).replaceAll('\\', '/'); // a server that decodes, then normalises
    } catch {
      decoded = p;
    }
    const under = (x: string) => x === '/api' || x.startsWith('/api/');
    return under(whatwg) && under(posix.normalize(decoded.replace(/;[^/]*/g, '')));
  }

  it('forwards only paths that stay under the base path, however the upstream normalises them', async () => {
    await fc.assert(
      fc.asyncProperty(path, async (segments) => {
        upstream.seen.length = 0;
        const res = await rawRequest(gw.url, { path: `/proxy/${segments.join('/')}`, headers: { 'x-api-key': key } });
        expect(res.status).toBeLessThan(500);
        const seen = upstream.urls();
        if (res.status !== 200) {
          expect(seen).toEqual([]);
          return;
        }
        expect(seen).toHaveLength(1);
        expect(staysUnderBase(seen[0]!), seen[0]).toBe(true);
      }),
      // The first counterexample found: '#' ends the path for WHATWG-style parsers (fixed).
      { numRuns: 300, examples: [[['..#..']], [['a', '..#']]] },
    );
  });
});

describe('hostile input', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let key: CreatedKey;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
    key = await createKey(gw, { limitPerMinute: 100_000 });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const smuggled = () => `GET /proxy/smuggled HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n\r\n`;
  const head = (lines: string[]) =>
    `POST /proxy/front HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n${lines.join('\r\n')}\r\n\r\n`;

  describe('/proxy request smuggling', () => {
    // Each sends a request whose framing two parsers could read differently, with a second request
    // hidden where one of them would see it. The gateway's parser refuses the ambiguity outright.
    it.each([
      [
        'Content-Length and Transfer-Encoding',
        () => `${head(['Content-Length: 4', 'Transfer-Encoding: chunked'])}0\r\n\r\n${smuggled()}`,
      ],
      [
        'Transfer-Encoding and Content-Length',
        () => `${head(['Transfer-Encoding: chunked', 'Content-Length: 60'])}0\r\n\r\n${smuggled()}`,
      ],
      ['two different Content-Lengths', () => `${head(['Content-Length: 0', 'Content-Length: 60'])}${smuggled()}`],
      ['a list in Content-Length', () => `${head(['Content-Length: 0, 60'])}${smuggled()}`],
      ['a signed Content-Length', () => `${head(['Content-Length: +0'])}${smuggled()}`],
      [
        'chunked not last in Transfer-Encoding',
        () => `${head(['Transfer-Encoding: chunked, identity'])}0\r\n\r\n${smuggled()}`,
      ],
      [
        'Transfer-Encoding split over two fields',
        () => `${head(['Transfer-Encoding: chunked', 'Transfer-Encoding: x'])}0\r\n\r\n${smuggled()}`,
      ],
      [
        'whitespace before the colon',
        () => `${head(['Transfer-Encoding : chunked', 'Content-Length: 0'])}0\r\n\r\n${smuggled()}`,
      ],
      // A transfer coding the gateway does not know: 501, RFC 9112 §6.1.
      ['an obfuscated coding', () => `${head(['Transfer-Encoding: xchunked'])}0\r\n\r\n${smuggled()}`, 501],
      [
        'an overflowing chunk size',
        () => `${head(['Transfer-Encoding: chunked'])}fffffffffffffffffff1\r\nx\r\n0\r\n\r\n${smuggled()}`,
      ],
      ['a bare LF in a chunk header', () => `${head(['Transfer-Encoding: chunked'])}3\nabc\r\n0\r\n\r\n${smuggled()}`],
    ])('answers 400 to %s and forwards nothing', async (_name, request, status = 400) => {
      const before = upstream.seen.length;
      const res = await rawExchange(gw.url, request());
      expect(res.statuses[0]).toBe(status);
      expect(res.closedByServer).toBe(true);
      // Nothing at all went upstream: neither the front request nor the hidden one.
      expect(upstream.seen.slice(before).map((r) => r.url)).toEqual([]);
    });

    it('forwards a pipelined second request as a request of its own, authenticated on its own', async () => {
      const before = upstream.seen.length;
      const res = await rawExchange(
        gw.url,
        `${head(['Content-Length: 5'])}hello${smuggled().replace(key.key, 'ak_not_a_key')}`,
        1_000,
      );
      expect(res.statuses).toEqual([200, 401]);
      expect(upstream.seen.slice(before).map((r) => [r.url, r.body.toString()])).toEqual([['/front', 'hello']]);
    });
  });

  describe('/proxy header injection', () => {
    it.each([
      ['a bare CR', 'X-Test: a\rX-Injected: yes'],
      ['a NUL byte', 'X-Test: a\u0000X-Injected: yes'],
      ['an obsolete line folding', 'X-Test: a\r\n X-Injected: yes'],
      ['a header name with a space', 'X Injected: yes'],
      ['a header without a colon', 'X-Injected yes'],
    ])('answers 400 to %s in a header and forwards nothing', async (_name, line) => {
      const before = upstream.seen.length;
      const res = await rawExchange(
        gw.url,
        `GET /proxy/h HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n${line}\r\n\r\n`,
      );
      expect(res.statuses[0]).toBe(400);
      expect(upstream.seen.length).toBe(before);
    });

    it('answers 400 to a bare CR in the request line and forwards nothing', async () => {
      const before = upstream.seen.length;
      const res = await rawExchange(
        gw.url,
        `GET /proxy/a\rX-Injected: yes HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n\r\n`,
      );
      expect(res.statuses[0]).toBe(400);
      expect(upstream.seen.length).toBe(before);
    });

    it('forwards percent-encoded CR/LF in the query as text, never as a line break', async () => {
      const res = await rawRequest(gw.url, {
        path: '/proxy/q?x=a%0D%0AX-Injected:%20yes',
        headers: { 'x-api-key': key.key },
      });
      expect(res.status).toBe(200);
      const seen = upstream.seen.at(-1)!;
      expect(seen.url).toBe('/q?x=a%0D%0AX-Injected:%20yes');
      expect(seen.headers['x-injected']).toBeUndefined();
    });
  });

  describe('/proxy oversized and odd requests', () => {
    it.each([
      ['one 20 KiB header', `X-Big: ${'a'.repeat(20 * 1024)}`],
      ['3000 small headers', Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')],
    ])('answers 431 to %s', async (_name, lines) => {
      const before = upstream.seen.length;
      const res = await rawExchange(
        gw.url,
        `GET /proxy/h HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n${lines}\r\n\r\n`,
      );
      expect(res.statuses[0]).toBe(431);
      expect(res.closedByServer).toBe(true);
      expect(upstream.seen.length).toBe(before);
    });

    it('answers 431 to a 20 KiB URL (the request line counts against the header limit)', async () => {
      const res = await rawExchange(gw.url, `GET /proxy/${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: gw\r\n\r\n`);
      expect(res.statuses[0]).toBe(431);
    });

    it('handles an enormous query string just under the limit quickly, byte for byte', async () => {
      const params = Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&');
      const repeatedKeys = Array.from({ length: 50 }, () => `api_key=${key.key}`).join('&');
      const started = performance.now();
      const res = await rawRequest(gw.url, { path: `/proxy/big?${params}&${repeatedKeys}&tail=1` });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_000);
      // Every api_key went, everything else arrived unchanged.
      expect(upstream.seen.at(-1)!.url).toBe(`/big?${params}&tail=1`);
    });

    const k = () => key.key;
    it.each([
      ['raw bytes in the path', () => `GET /proxy/caf\xc3\xa9/\xff\xfe HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${k()}`, 400],
      ['raw bytes in the query', () => `GET /proxy/q?name=\xe9t\xe9 HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${k()}`, 400],
      [
        'a percent-encoded non-UTF-8 path segment',
        () => `GET /proxy/%ff%fe HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${k()}`,
        400,
      ],
      ['a non-ASCII API key', () => 'GET /proxy/h HTTP/1.1\r\nHost: gw\r\nX-API-Key: ak_\xff\xfe\xfd', 401],
      ['a percent-encoded non-UTF-8 API key', () => 'GET /proxy/h?api_key=%ff%fe%fd HTTP/1.1\r\nHost: gw', 401],
    ])('answers %s with a 4xx and forwards nothing', async (_name, request, status) => {
      const before = upstream.seen.length;
      const res = await rawExchange(gw.url, `${request()}\r\nConnection: close\r\n\r\n`);
      expect(res.statuses).toEqual([status]);
      expect(upstream.seen.length).toBe(before);
    });

    it('forwards Latin-1 bytes in header values byte for byte', async () => {
      const res = await rawExchange(
        gw.url,
        `GET /proxy/h HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\nX-Latin: \xe9\xff\xfe\r\nX-Request-Id: \xff\r\nConnection: close\r\n\r\n`,
      );
      expect(res.statuses).toEqual([200]);
      const seen = upstream.seen.at(-1)!;
      expect(seen.headers['x-latin']).toBe('\xe9\xff\xfe');
      // An unsafe request id is replaced, not passed on.
      expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('framing the gateway refuses', () => {
    it('answers 431 to 2,100 tiny header fields instead of forwarding a truncated request', async () => {
      // Before: Node kept the first 2,000 fields and dropped the rest, Content-Length included: the
      // POST went upstream without its body.
      const fields = Array.from({ length: 2_100 }, (_, i) => `x${i.toString(36)}:`).join('\r\n');
      const before = upstream.seen.length;
      const res = await rawExchange(
        gw.url,
        `POST /proxy/many HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n${fields}\r\nContent-Length: 5\r\n\r\nhello`,
      );
      expect(res.statuses).toEqual([431]);
      expect(res.text).toContain('"code":"HEADERS_TOO_LARGE"');
      expect(res.closedByServer).toBe(true);
      expect(upstream.seen.length).toBe(before);
    });

    it('still forwards a request with many (1,000) header fields', async () => {
      const fields = Array.from({ length: 990 }, (_, i) => `x${i.toString(36)}:`).join('\r\n');
      const res = await rawExchange(
        gw.url,
        `POST /proxy/many HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n${fields}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
      );
      expect(res.statuses).toEqual([200]);
      expect(upstream.seen.at(-1)!.body.toString()).toBe('hello');
    });

    it.each([
      ['gzip, chunked', 'Transfer-Encoding: gzip, chunked'],
      ['deflate, chunked', 'Transfer-Encoding: deflate, chunked'],
      ['two fields', 'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked'],
    ])('answers 501 to Transfer-Encoding %s and forwards nothing', async (_name, line) => {
      // Before: accepted as chunked, the gzip coding silently dropped on the way upstream.
      const body = gzipSync('hello');
      const before = upstream.seen.length;
      for (const base of [gw.url, gw.managementUrl]) {
        const res = await rawExchange(
          base,
          Buffer.concat([
            Buffer.from(
              `POST /proxy/te HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\nContent-Type: application/json\r\n${line}\r\n\r\n${body.length.toString(16)}\r\n`,
              'latin1',
            ),
            body,
            Buffer.from('\r\n0\r\n\r\n'),
          ]),
        );
        expect(res.statuses).toEqual([501]);
        expect(res.text).toContain('"code":"NOT_IMPLEMENTED"');
        expect(res.closedByServer).toBe(true);
      }
      expect(upstream.seen.length).toBe(before);
    });
  });

  describe('bodies of rejected requests', () => {
    const OFFERED = 64 * 1024 * 1024;
    /** Offers 64 MB of a declared 500 MB body; expects `status` and the connection closed long before. */
    async function expectRefusedUnread(base: string, head: string, status: number): Promise<string> {
      const res = await rawUpload(base, head, OFFERED);
      expect(res.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(res.text).toMatch(/\r\nConnection: close\r\n/i);
      // What the socket buffers hold (a few MB on loopback), far from the 64 MB offered.
      expect(res.accepted).toBeLessThan(OFFERED / 4);
      return res.text;
    }

    it('answers 401 to a keyless 500 MB upload and closes the connection instead of reading it', async () => {
      // Before: the 401 went out and the gateway then read (and discarded) all 500 MB.
      await expectRefusedUnread(
        gw.url,
        'POST /proxy/big HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\nContent-Length: 500000000\r\n\r\n',
        401,
      );
    });

    it('closes the connection after a 429 sent before the body was read', async () => {
      const limited = await createKey(gw, { limitPerMinute: 1 });
      await rawRequest(gw.url, { path: '/proxy/first', headers: { 'x-api-key': limited.key } });
      await expectRefusedUnread(
        gw.url,
        `PUT /proxy/big HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${limited.key}\r\nContent-Length: 500000000\r\n\r\n`,
        429,
      );
    });

    it('answers 413 to an oversized chunked management body at once and closes the connection', async () => {
      // No Content-Length to refuse up front. Before: body-parser read (and discarded) the whole body
      // before answering — a client could stream for REQUEST_TIMEOUT_MS, and got no answer meanwhile.
      const text = await expectRefusedUnread(
        gw.managementUrl,
        'POST /users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
          `${(500_000_000).toString(16)}\r\n{"email":"`,
        413,
      );
      expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
    });

    it('closes a management connection after a 415 sent before the body was read', async () => {
      await expectRefusedUnread(
        gw.managementUrl,
        'POST /users HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nContent-Length: 500000000\r\n\r\n',
        415,
      );
    });
  });

  describe('Expect: 100-continue', () => {
    const expectHead = (path: string, apiKey: string | undefined, length: number) =>
      `POST ${path} HTTP/1.1\r\nHost: gw\r\n${apiKey ? `X-API-Key: ${apiKey}\r\n` : ''}Content-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;

    it.each([
      ['no key', () => undefined, 401],
      ['an unknown key', () => `ak_${'1'.repeat(30)}`, 401],
    ])('answers %s with the final status, no 100 first, and closes', async (_name, apiKey, status) => {
      // Before: Node answered 100 Continue before the key was even looked at.
      const before = upstream.seen.length;
      const res = await rawExchange(gw.url, expectHead('/proxy/expect', apiKey(), 5));
      expect(res.statuses).toEqual([status]);
      expect(res.closedByServer).toBe(true);
      expect(upstream.seen.length).toBe(before);
    });

    it('answers a rate-limited key 429 without a 100', async () => {
      const limited = await createKey(gw, { limitPerMinute: 1 });
      await rawRequest(gw.url, { path: '/proxy/first', headers: { 'x-api-key': limited.key } });
      const res = await rawExchange(gw.url, expectHead('/proxy/expect', limited.key, 5));
      expect(res.statuses).toEqual([429]);
      expect(res.closedByServer).toBe(true);
    });

    it('sends 100 to a request that passed every check, then forwards its body', async () => {
      const c = rawConversation(gw.url);
      c.write(expectHead('/proxy/expect', key.key, 5));
      expect(await c.until(/HTTP\/1\.1 100 /)).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
      c.write('hello');
      expect(await c.until(/HTTP\/1\.1 200 [\s\S]*\r\n\r\n\{/)).toMatch(/HTTP\/1\.1 200 /);
      expect(upstream.seen.at(-1)!.body.toString()).toBe('hello');
      expect(upstream.seen.at(-1)!.headers.expect).toBeUndefined();
      c.socket.destroy();
    });

    it('on the management listener: no 100 for a body it refuses, 100 before reading one it accepts', async () => {
      const refused = await rawExchange(
        gw.managementUrl,
        expectHead('/users', undefined, 20).replace('application/json', 'text/plain'),
      );
      expect(refused.statuses).toEqual([415]);
      expect(refused.closedByServer).toBe(true);
      const c = rawConversation(gw.managementUrl);
      const body = '{"email":"x@example.com"}';
      c.write(expectHead('/users', undefined, body.length));
      expect(await c.until(/HTTP\/1\.1 100 /)).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
      c.write(body);
      // Read, then refused for want of credentials.
      expect(await c.until(/HTTP\/1\.1 401 /)).toMatch(/HTTP\/1\.1 401 /);
      c.socket.destroy();
    });
  });

  describe('Host header', () => {
    /** One request with these header lines, raw; the gateway's answer and what reached the upstream. */
    async function withHost(baseUrl: string, path: string, lines: string[]) {
      const before = upstream.seen.length;
      const res = await rawExchange(
        baseUrl,
        `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\nX-API-Key: ${key.key}\r\nConnection: close\r\n\r\n`,
      );
      return { res, forwarded: upstream.seen.slice(before) };
    }
    const BAD_HOSTS = [
      'evil.example:1@good', // once became Location: http://evil.example:1@good/proxy/…
      'a/b', // once became Location: http://a/b/proxy/…
      'good.example?x=',
      'good.example#',
      'good\\evil.example',
      'h\xf4te',
      'gw:99999',
      '[::1',
    ];

    it.each(BAD_HOSTS)('answers 400 problem+json to Host: %s on the proxy and forwards nothing', async (host) => {
      const { res, forwarded } = await withHost(gw.url, '/proxy/h', [`Host: ${host}`]);
      expect(res.statuses).toEqual([400]);
      expect(res.text).toContain('application/problem+json');
      expect(res.text).toContain('not a valid host');
      expect(forwarded).toEqual([]);
    });

    it('answers 400 to two Host headers on the proxy (even identical ones) and forwards nothing', async () => {
      for (const second of ['other.example', 'gw']) {
        const { res, forwarded } = await withHost(gw.url, '/proxy/h', ['Host: gw', `host: ${second}`]);
        expect(res.statuses).toEqual([400]);
        expect(res.text).toContain('more than one Host header');
        expect(forwarded).toEqual([]);
      }
    });

    it('answers 400 to a bad or doubled Host on the proxy listener’s probes and the management API', async () => {
      for (const [baseUrl, path] of [
        [gw.url, '/health'],
        [gw.managementUrl, '/health'],
        [gw.managementUrl, '/auth/providers'],
      ] as const) {
        for (const lines of [['Host: evil.example:1@good'], ['Host: gw', 'Host: other.example']]) {
          const { res } = await withHost(baseUrl, path, lines);
          expect(res.statuses, `${baseUrl}${path} ${lines.join(' ')}`).toEqual([400]);
          expect(res.text).toContain('"code":"BAD_REQUEST"');
        }
      }
    });

    it.each(['gw', 'api.example.com:8443', '127.0.0.1:3001', '[::1]:3001'])('forwards Host: %s', async (host) => {
      const { res, forwarded } = await withHost(gw.url, '/proxy/h', [`Host: ${host}`]);
      expect(res.statuses).toEqual([200]);
      expect(forwarded.map((r) => r.headers['x-forwarded-host'])).toEqual([host]);
    });
  });

  describe('/proxy key in both header and query', () => {
    it('uses the header key (limits, usage) and forwards neither', async () => {
      const headerKey = await createKey(gw, { limitPerMinute: 7 });
      const queryKey = await createKey(gw, { limitPerMinute: 9 });
      const res = await rawRequest(gw.url, {
        path: `/proxy/both?api_key=${queryKey.key}`,
        headers: { 'x-api-key': headerKey.key },
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit-minute']).toBe('7');
      expect(res.headers['x-ratelimit-remaining-minute']).toBe('6');
      const seen = upstream.seen.at(-1)!;
      expect(seen.url).toBe('/both');
      expect(JSON.stringify(seen.headers)).not.toContain(headerKey.key);
      // The usage row belongs to the header key; the query key was not charged.
      const rows = async (id: string) =>
        (
          await gw.gateway.services.db.sql.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM usage_logs WHERE api_key_id = $1',
            [id],
          )
        ).rows[0]!.n;
      await eventually(async () => expect(await rows(headerKey.id)).toBe(1));
      expect(await rows(queryKey.id)).toBe(0);
      const again = await rawRequest(gw.url, { path: '/proxy/both', headers: { 'x-api-key': queryKey.key } });
      expect(again.headers['x-ratelimit-remaining-minute']).toBe('8');
    });

    it('refuses two X-API-Key headers instead of picking one', async () => {
      const other = await createKey(gw);
      const before = upstream.seen.length;
      const res = await rawExchange(
        gw.url,
        `GET /proxy/two HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\nX-API-Key: ${other.key}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.statuses).toEqual([401]);
      expect(upstream.seen.length).toBe(before);
    });
  });

  describe('management API', () => {
    let token: string;
    beforeAll(async () => {
      token = (await login(gw, 'hostile@example.com')).token;
    });

    it.each([
      ['100k nested arrays (unclosed)', '['.repeat(100_000)],
      ['50k nested arrays', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
      ['15k nested objects', `${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}`],
      ['an email nested 30k deep', `{"email":${'['.repeat(30_000)}${']'.repeat(30_000)}}`],
      ['a 50k-element array', `[${Array.from({ length: 50_000 }, () => '1').join(',')}]`],
      ['a 10k-field object', `{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":0`).join(',')}}`],
      ['a 90 KB string', `{"email":"${'a'.repeat(90_000)}@example.com"}`],
    ])('answers 400 quickly to a JSON bomb: %s', async (_name, rawBody) => {
      expect(rawBody.length).toBeLessThan(100 * 1024);
      for (const [path, method, t] of [
        ['/auth/email', 'POST', undefined],
        ['/keys', 'POST', token],
      ] as const) {
        const started = performance.now();
        const res = await as(gw, t)(path, { method, rawBody });
        expect([400, 413]).toContain(res.status);
        await expectProblem(res, res.status);
        expect(performance.now() - started).toBeLessThan(1_000);
      }
    });

    it('answers 413 to a declared oversized body without waiting for it', async () => {
      const res = await rawExchange(
        gw.managementUrl,
        'POST /users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"email":',
        1_500,
      );
      expect(res.statuses).toEqual([413]);
      // …and hangs up rather than reading 50 MB it will not use.
      expect(res.closedByServer).toBe(true);
    });

    it('answers 413 to an oversized chunked body', async () => {
      const chunk = `{"email":"${'a'.repeat(150_000)}"}`;
      const res = await rawExchange(
        gw.managementUrl,
        `POST /users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
      );
      expect(res.statuses).toEqual([413]);
    });

    it('answers 413 to a gzip bomb: the limit applies to the inflated body', async () => {
      const bomb = gzipSync(Buffer.from(`{"email":"${' '.repeat(20 * 1024 * 1024)}"}`));
      expect(bomb.length).toBeLessThan(100 * 1024);
      const res = await fetch(`${gw.managementUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      await expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('reads gzip, deflate and br bodies, a leading BOM and an empty body as before; corrupt data is a 400', async () => {
      const post = (body: Buffer | string, encoding?: string) =>
        fetch(`${gw.managementUrl}/users`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${gw.adminToken}`,
            'content-type': 'application/json',
            ...(encoding ? { 'content-encoding': encoding } : {}),
          },
          body,
        });
      const json = (email: string) => Buffer.from(JSON.stringify({ email }));
      for (const [encoding, compress] of [
        ['gzip', gzipSync],
        ['deflate', deflateSync],
        ['br', brotliCompressSync],
      ] as const) {
        const res = await post(compress(json(`${encoding}@example.com`)), encoding);
        expect(res.status, encoding).toBe(201);
        expect(((await res.json()) as { user: { email: string } }).user.email).toBe(`${encoding}@example.com`);
      }
      // Bytes after the end of the compressed data are dropped; the process stays up.
      const trailing = Buffer.concat([deflateSync(json('trailing@example.com')), Buffer.from('garbage')]);
      expect((await post(trailing, 'deflate')).status).toBeLessThan(500);
      expect((await post(`\ufeff${json('bom@example.com')}`)).status).toBe(201);
      await expectProblem(await post(''), 400, 'VALIDATION_FAILED'); // {}: no email
      await expectProblem(await post(Buffer.from('not gzip at all'), 'gzip'), 400, 'BAD_REQUEST');
      await expectProblem(await post(' "a string"'), 400, 'INVALID_JSON');
      await expectProblem(await post('{"email":'), 400, 'INVALID_JSON');
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    });

    it('answers 415 to an unknown content encoding', async () => {
      const res = await fetch(`${gw.managementUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
        body: '{"email":"x@example.com"}',
      });
      await expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it.each([
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/xml',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/json',
    ])('answers 415 to %s on every route that takes a body', async (contentType) => {
      const key = await as(gw, token)('/keys', { method: 'POST', body: {} });
      const { id } = (await key.json()) as { id: string };
      for (const [path, method] of [
        ['/users', 'POST'],
        ['/keys', 'POST'],
        [`/keys/${id}`, 'PATCH'],
      ] as const) {
        const res = await as(gw, token)(path, { method, rawBody: '{"name":"x"}', contentType });
        await expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    });

    it('answers 415 to a body without a content type', async () => {
      const res = await rawExchange(
        gw.managementUrl,
        'POST /users HTTP/1.1\r\nHost: gw\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{"email":"x@example.com"}',
      );
      expect(res.statuses).toEqual([415]);
    });

    it('is still up', async () => {
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    });
  });
});
