import express, { type RequestHandler } from 'express';
import { ApiError } from '../errors.js';

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * JSON bodies only: a body of another type is a 415 (which also keeps HTML forms — the classic CSRF
 * vector — out), oversized bodies a 413, broken JSON a 400 (mapped by the error handler).
 */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = function requireJson(req, _res, next) {
    if (hasBody(req.headers) && !req.is(['application/json', 'application/*+json'])) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    next();
  };
  return [requireJson, express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] })];
}
