import type { Failure } from '../result.js';

/** What the CLI's exit status means; scripts may rely on these (README "CLI"). */
export const EXIT = {
  OK: 0,
  /** The gateway refused the request (an RFC 9457 problem: 4xx or 5xx). */
  API_ERROR: 1,
  /** Wrong command line, or no gateway configured (`gateway login`). */
  USAGE: 2,
  /** No answer from the gateway (down, wrong URL, DNS, TLS, timeout). */
  UNREACHABLE: 3,
  /** Something answered, but not in the gateway's contract (a proxy's error page, another service). */
  INVALID_RESPONSE: 4,
  /** `config apply --dry-run --exit-code`: the file differs from the gateway's configuration. */
  CHANGES_PENDING: 5,
} as const;

export function exitCodeOf(failed: Failure): number {
  if (failed.kind === 'network') return EXIT.UNREACHABLE;
  if (failed.kind === 'invalid-response') return EXIT.INVALID_RESPONSE;
  return EXIT.API_ERROR;
}

/** Ends a command with this exit status once its message is printed. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
