/**
 * The closed set of error codes the gateway answers with, each mapped to its HTTP status in one place.
 * Problem bodies follow RFC 9457 (`application/problem+json`).
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  INVALID_API_KEY: 401,
  INVALID_SIGN_IN_LINK: 401,
  FORBIDDEN: 403,
  KEY_DISABLED: 403,
  KEY_EXPIRED: 403,
  INSUFFICIENT_SCOPE: 403,
  ORIGIN_NOT_ALLOWED: 403,
  CAP_EXCEEDED: 403,
  ROUTE_NOT_ALLOWED: 403,
  IP_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  ROUTE_DISABLED: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_FAILED_ATTEMPTS: 429,
  TOO_MANY_IN_FLIGHT: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  NOT_IMPLEMENTED: 501,
  GATEWAY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Human-readable titles; `detail` carries the specifics of one occurrence. */
export const ERROR_TITLE: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Bad request',
  VALIDATION_FAILED: 'Validation failed',
  INVALID_JSON: 'Malformed JSON body',
  UNAUTHORIZED: 'Authentication required',
  INVALID_API_KEY: 'Invalid API key',
  INVALID_SIGN_IN_LINK: 'Invalid sign-in link',
  FORBIDDEN: 'Forbidden',
  KEY_DISABLED: 'API key disabled',
  KEY_EXPIRED: 'API key expired',
  INSUFFICIENT_SCOPE: 'Insufficient scope',
  ORIGIN_NOT_ALLOWED: 'Origin not allowed',
  CAP_EXCEEDED: 'Above your allowance',
  ROUTE_NOT_ALLOWED: 'Route not allowed for this key',
  IP_NOT_ALLOWED: 'Address not allowed for this key',
  NOT_FOUND: 'Not found',
  ROUTE_NOT_FOUND: 'No route for this path',
  ROUTE_DISABLED: 'Route disabled',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  REQUEST_TIMEOUT: 'Request timeout',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  URI_TOO_LONG: 'URI too long',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RATE_LIMITED: 'Rate limit exceeded',
  TOO_MANY_FAILED_ATTEMPTS: 'Too many failed attempts',
  TOO_MANY_IN_FLIGHT: 'Too many requests in progress',
  HEADERS_TOO_LARGE: 'Request header fields too large',
  INTERNAL: 'Internal server error',
  NOT_IMPLEMENTED: 'Not implemented',
  BAD_GATEWAY: 'Bad gateway',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  GATEWAY_TIMEOUT: 'Gateway timeout',
};

/** `type` URI of a problem: a stable, documentable identifier per code. */
export function problemType(code: ErrorCode): string {
  return `https://api-gateway.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}
