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
    // body-parser would first read (and discard) the whole declared body, however large.
    if (maxBytes !== undefined && Number(req.headers['content-length']) > maxBytes) {
      res.setHeader('Connection', 'close');
      throw new ApiError('PAYLOAD_TOO_LARGE', 'The request body is larger than the gateway accepts.');
    }
    // The body is read before the route authenticates (it is small): go ahead once its type and
    // size are acceptable, rather than Node's 100 before anything was looked at.
    continueBody(req, res);
    next();
  };
  return [requireJson, express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] })];
}
