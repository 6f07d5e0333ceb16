import { ERROR_STATUS, type ErrorCode, type FieldError } from '@gateway/shared';

export type { ErrorCode };

/** The one error type handlers throw; the error handler turns it into RFC 9457 problem+json. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extras: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}
