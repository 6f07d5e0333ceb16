import type { ErrorCode, FieldError, Problem } from '@gateway/shared';

/**
 * Why a gateway call failed:
 * - `problem`: the gateway answered with an RFC 9457 problem (see `problem`, `fieldErrors`);
 * - `network`: the gateway could not be reached at all (down, wrong URL, CORS refused);
 * - `invalid-response`: the gateway answered something that does not match the contract in `@gateway/shared`.
 */
export type ApiErrorKind = 'problem' | 'network' | 'invalid-response';

/** The one error type the gateway client throws. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  readonly code: ErrorCode | null;
  readonly problem: Problem | null;
  readonly fieldErrors: FieldError[];
  /** Seconds from a 429's `Retry-After`, when the gateway sent one. */
  readonly retryAfterSeconds: number | null;
  /** A network error where the gateway is up but refuses this page's origin (CORS): a setting to change. */
  readonly originRefused: boolean;

  constructor(
    kind: ApiErrorKind,
    message: string,
    options: {
      status?: number;
      problem?: Problem;
      retryAfterSeconds?: number | null;
      originRefused?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.kind = kind;
    this.status = options.status ?? options.problem?.status ?? null;
    this.problem = options.problem ?? null;
    this.code = options.problem?.code ?? null;
    this.fieldErrors = options.problem?.errors ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.originRefused = options.originRefused ?? false;
  }

  /** The API's message for one input, e.g. `fieldError('limitPerMinute')` → "must be at least 1". */
  fieldError(path: string): string | undefined {
    return this.fieldErrors.find((e) => e.path === path)?.message;
  }

  /** Field errors whose path matches none of the given inputs: shown as a form-level message. */
  otherFieldErrors(knownPaths: readonly string[]): FieldError[] {
    return this.fieldErrors.filter((e) => !knownPaths.includes(e.path));
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isForbidden(): boolean {
    return this.status === 403;
  }

  get isRateLimited(): boolean {
    return this.status === 429;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isNetwork(): boolean {
    return this.kind === 'network';
  }

  /** Trying again cannot help a 4xx (other than 408 and 429): the request itself must change. */
  get isRetryable(): boolean {
    if (this.originRefused) return false;
    return this.status === null || this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** The heading for an error: one wording for an unreachable gateway, else the problem's own title. */
export function errorTitle(error: ApiError, fallback: string): string {
  if (error.originRefused) return 'This address is not allowed by the gateway';
  return error.isNetwork ? "Can't reach the gateway" : (error.problem?.title ?? fallback);
}

/**
 * The API's messages for a list input and its entries, one line of text: `targets.1` → "line 2: must
 * be …" (forms edit lists as one entry a line). Undefined when there are none.
 */
export function listFieldError(error: ApiError | null, field: string): string | undefined {
  if (!error) return undefined;
  const messages = error.fieldErrors
    .filter((e) => e.path === field || e.path.startsWith(`${field}.`))
    .map((e) => {
      const [, index, ...rest] = e.path.split('.');
      if (index === undefined) return e.message;
      return `line ${Number(index) + 1}${rest.length > 0 ? ` (${rest.join('.')})` : ''}: ${e.message}`;
    });
  return messages.length > 0 ? messages.join('; ') : undefined;
}

/** Whether an API error path is `field` or one of its entries (`field.2`, `field.0.route`). */
export function isPathUnder(path: string, fields: readonly string[]): boolean {
  return fields.some((field) => path === field || path.startsWith(`${field}.`));
}

/** Normalises anything thrown into an `ApiError`, so UI code handles one type. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('invalid-response', message, { cause: error });
}
