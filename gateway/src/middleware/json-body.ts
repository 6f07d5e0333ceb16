import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import express, { type RequestHandler } from 'express';
import { ApiError } from '../errors.js';
import { continueBody } from '../http/client-guards.js';
import { hasBody } from '../http/request-body.js';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `100kb` → 102400, as body-parser reads its `limit`; undefined when it cannot tell. */
export function parseByteSize(limit: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * JSON bodies only: a body of another type — or JSON in another charset than UTF-8 (RFC 8259 §8.1)
 * — is a 415 (which also keeps HTML forms — the classic CSRF vector — out), oversized bodies a 413,
 * broken JSON a 400 (mapped by the error handler).
 */
export function jsonBody(limit: string): RequestHandler[] {
  const maxBytes = parseByteSize(limit);
  const requireJson: RequestHandler = function requireJson(req, res, next) {
    if (!hasBody(req.headers)) return next();
    if (!req.is(['application/json', 'application/*+json'])) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.');
    }
    // A declared length over the limit is refused before reading a byte, and the connection closed:
    // reading it to find out would take the whole declared body, however large.
    if (maxBytes !== undefined && Number(req.headers['content-length']) > maxBytes) {
      res.setHeader('Connection', 'close');
      throw new ApiError('PAYLOAD_TOO_LARGE', 'The request body is larger than the gateway accepts.');
    }
    // The body is read before the route authenticates (it is small): go ahead once its type and
    // size are acceptable, rather than Node's 100 before anything was looked at.
    continueBody(req, res);
    next();
  };
  // A limit we cannot read in bytes is left to body-parser (which reads an oversized chunked body to
  // its end before answering); MANAGEMENT_BODY_LIMIT's documented forms (`100kb`, `1mb`) never get there.
  const parse =
    maxBytes === undefined
      ? express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] })
      : readJsonBody(maxBytes);
  return [requireJson, parse];
}

const DECOMPRESS: Record<string, (() => zlib.Inflate | zlib.Gunzip | zlib.BrotliDecompress) | undefined> = {
  identity: undefined,
  deflate: () => zlib.createInflate(),
  gzip: () => zlib.createGunzip(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * Reads a JSON body (after requireJson) as body-parser's `json({ strict: true })` does — the limit
 * counts the inflated bytes, an empty body is `{}`, the text must start with `{` or `[` — with one
 * difference: a body that passes the limit is answered 413 at once and left unread, so the answer
 * carries `Connection: close` and the connection is closed (sendProblem). body-parser reads such a
 * body to its end first: a chunked body has no declared length to refuse up front, so a client could
 * stream for REQUEST_TIMEOUT_MS (issue 12, item 4: never read a refused request's body).
 */
function readJsonBody(maxBytes: number): RequestHandler {
  return function readJson(req, _res, next) {
    if (!hasBody(req.headers)) return next();
    const coding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (!Object.hasOwn(DECOMPRESS, coding)) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.');
    }
    const inflater = DECOMPRESS[coding]?.();
    // A zlib stream can still fail after we stop listening (bytes after the compressed data end up
    // written after its end): an 'error' without a listener would crash the process.
    inflater?.on('error', () => {});
    const stream: Readable = inflater ? req.pipe(inflater) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: ApiError | undefined) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      req.off('close', onClose);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      if (error) {
        // Stop reading: what is left of the body stays unread and the connection is closed after
        // the answer (sendProblem sees an incomplete body).
        req.pause();
        return next(error);
      }
      // Bytes after the end of the compressed data, if any, are read and dropped (as body-parser does).
      if (inflater) req.resume();
      let text = Buffer.concat(chunks, size).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) {
        req.body = {};
        return next();
      }
      const first = /^[ \t\n\r]*(.)/s.exec(text)?.[1];
      if (first !== '{' && first !== '[')
        return next(new ApiError('INVALID_JSON', 'The request body is not valid JSON.'));
      try {
        req.body = JSON.parse(text);
      } catch {
        return next(new ApiError('INVALID_JSON', 'The request body is not valid JSON.'));
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        settle(new ApiError('PAYLOAD_TOO_LARGE', 'The request body is larger than the gateway accepts.'));
      } else chunks.push(chunk);
    };
    const onEnd = () => settle(undefined);
    const onError = () => settle(new ApiError('BAD_REQUEST', 'The request body could not be read.'));
    // The client went away mid-body: nobody is left to answer, but the handler must not wait forever.
    const onClose = () => {
      if (!req.complete) onError();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    req.on('close', onClose);
  };
}
