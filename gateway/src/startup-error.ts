/**
 * A start-up failure the operator can fix: printed as one line naming the setting and what to do,
 * without a stack trace (issue 16: a dead PostgreSQL printed ~20 lines of raw `pg` error object).
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** `host:port/database` of a connection URL: enough to recognise it, never its credentials. */
export function describeEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/** The network error code behind an error (`ECONNREFUSED`, …), looking through `cause` and aggregates. */
export function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  if (!e) return undefined;
  if (typeof e.code === 'string') return e.code;
  return errorCode(e.cause) ?? (Array.isArray(e.errors) ? errorCode(e.errors[0]) : undefined);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** Turns a failure to open or migrate PostgreSQL into one line that names DATABASE_URL. */
export function databaseStartupError(error: unknown, databaseUrl: string): StartupError {
  const where = `DATABASE_URL (${describeEndpoint(databaseUrl)})`;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  let line: string;
  if ((code && UNREACHABLE.has(code)) || /timeout/i.test(message)) {
    line = `Cannot connect to PostgreSQL at ${where}: ${code ?? message}. Start PostgreSQL, correct DATABASE_URL, or unset it to use the embedded database in DATA_DIR.`;
  } else if (code === '28P01' || code === '28000') {
    line = `PostgreSQL at ${where} refused the credentials: ${message}. Correct the user and password in DATABASE_URL.`;
  } else if (code === '3D000') {
    line = `PostgreSQL at ${where}: ${message}. Create it (e.g. \`createdb\`) or correct DATABASE_URL.`;
  } else {
    line = `PostgreSQL at ${where} could not be opened or migrated: ${message}.`;
  }
  return new StartupError(line, { cause: error });
}
