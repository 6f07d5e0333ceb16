import type { ErrorCode, FieldError, Problem } from '@gateway/shared';

/**
 * Why a call failed:
 * - `problem`: the gateway answered with an RFC 9457 problem (`problem`, `code`, `status` are set);
 * - `network`: no answer at all (gateway down, wrong URL, DNS, TLS, CORS refused in a browser);
 * - `invalid-response`: an answer that is not the contract of `@gateway/shared` (a proxy's error page,
 *   another version of the gateway).
 */
export type FailureKind = 'problem' | 'network' | 'invalid-response';

/** A failed call, as a value: check `ok` before reading `data`. */
export interface Failure {
  readonly ok: false;
  readonly kind: FailureKind;
  /** HTTP status of the answer; null when there was none (`network`). */
  readonly status: number | null;
  /** The problem's closed error code (`KEY_DISABLED`, `VALIDATION_FAILED`, …); null unless `kind === 'problem'`. */
  readonly code: ErrorCode | null;
  /** The RFC 9457 problem body, when the gateway sent one. */
  readonly problem: Problem | null;
  /** One line for a person: the problem's detail, or what went wrong. */
  readonly message: string;
  /** The problem's field errors (`{ path: 'limitPerMinute', message: 'must be at least 1' }`). */
  readonly fieldErrors: readonly FieldError[];
  /** Seconds from `Retry-After` (429, 503), when the gateway sent it. */
  readonly retryAfterSeconds: number | null;
  readonly cause?: unknown;
}

/** A successful call: the parsed, contract-checked body and the status it came with. */
export interface Success<T> {
  readonly ok: true;
  readonly data: T;
  readonly status: number;
}

/** What every SDK method resolves to; it never rejects for an HTTP or network failure. */
export type Result<T> = Success<T> | Failure;

export function failure(
  kind: FailureKind,
  message: string,
  extra: { status?: number | null; problem?: Problem; retryAfterSeconds?: number | null; cause?: unknown } = {},
): Failure {
  return {
    ok: false,
    kind,
    status: extra.status ?? extra.problem?.status ?? null,
    code: extra.problem?.code ?? null,
    problem: extra.problem ?? null,
    message,
    fieldErrors: extra.problem?.errors ?? [],
    retryAfterSeconds: extra.retryAfterSeconds ?? null,
    ...(extra.cause === undefined ? {} : { cause: extra.cause }),
  };
}

/** The failure as a thrown error, for code that prefers exceptions (see `unwrap`). */
export class GatewayError extends Error {
  readonly failure: Failure;

  constructor(failed: Failure) {
    super(failed.message, { cause: failed.cause });
    this.name = 'GatewayError';
    this.failure = failed;
  }

  get kind(): FailureKind {
    return this.failure.kind;
  }

  get status(): number | null {
    return this.failure.status;
  }

  get code(): ErrorCode | null {
    return this.failure.code;
  }
}

/** The data of a successful result; throws a `GatewayError` for a failed one. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new GatewayError(result);
  return result.data;
}

/** Whether trying the same call again may help: no answer, 408, 429 or a 5xx. */
export function isRetryable(failed: Failure): boolean {
  return failed.status === null || failed.status >= 500 || failed.status === 408 || failed.status === 429;
}
