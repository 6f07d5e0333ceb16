import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/errors.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendProblem } from './problem.js';
import { requestIdOf } from './request-id.js';

/** JSON 404 for every route nobody claimed. */
export const notFoundHandler: RequestHandler = function notFound(req, _res, next) {
  next(new ApiError('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};

// Errors raised by body-parser / raw-body carry a `type` and an HTTP status; map them to our codes.
function fromParserError(err: { type?: string; status?: number; message?: string }): ApiError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new ApiError('INVALID_JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is larger than the gateway accepts.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return new ApiError('BAD_REQUEST', 'The request body could not be read.');
    default:
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return new ApiError('BAD_REQUEST', 'The request could not be read.');
      }
      return null;
  }
}

/** The one error handler: ApiError → its problem; anything else → logged in full, opaque 500. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return function errorHandler(err, req, res, _next) {
    const requestId = requestIdOf(req);
    const apiError = err instanceof ApiError ? err : fromParserError(err ?? {});
    if (res.headersSent) {
      logger.error({ err, requestId }, 'error after response started');
      res.destroy();
      return;
    }
    if (apiError) {
      sendProblem(res, requestId, apiError.code, apiError.detail, apiError.extras);
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // An outage, not a bug: say "retry shortly" (the proxy keeps serving cached keys meanwhile).
      logger.warn(
        { requestId, method: req.method, path: req.path, err: (err as Error).message },
        'database unavailable',
      );
      sendProblem(res, requestId, 'SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly.', {
        headers: { 'Retry-After': '5' },
      });
      return;
    }
    logger.error({ err, requestId, method: req.method, path: req.path }, 'unhandled error');
    sendProblem(
      res,
      requestId,
      'INTERNAL',
      'Something went wrong on our side. Quote the request id when reporting it.',
    );
  };
}
