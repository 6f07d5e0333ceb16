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

/**
 * Node's codes for a server certificate it could not verify: a chain to a CA outside Node's public
 * list (RDS, Cloud SQL, a private CA), a self-signed or expired certificate, another host's name.
 */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Turns a failure to open or migrate PostgreSQL into one line that names DATABASE_URL. */
export function databaseStartupError(error: unknown, databaseUrl: string, caFile?: string): StartupError {
  const where = `DATABASE_URL (${describeEndpoint(databaseUrl)})`;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  let line: string;
  if ((code && UNREACHABLE.has(code)) || /timeout/i.test(message)) {
    line = `Cannot connect to PostgreSQL at ${where}: ${code ?? message}. Start PostgreSQL, correct DATABASE_URL, or unset it to use the embedded database in DATA_DIR.`;
  } else if (code && UNTRUSTED_CERTIFICATE.has(code)) {
    const hint =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'Use the host name the certificate names in DATABASE_URL.'
        : caFile
          ? `Check that DATABASE_CA_FILE (${caFile}) holds the CA that signed it.`
          : "Set DATABASE_CA_FILE to a PEM file of the CA that signed it (AWS RDS: https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem); sslmode=require alone trusts Node's public CA list only.";
    line = `PostgreSQL at ${where} presented a TLS certificate that could not be verified (${code}): ${message}. ${hint}`;
  } else if (/does not support SSL/i.test(message)) {
    line = `PostgreSQL at ${where} does not accept TLS, which ${caFile ? 'DATABASE_CA_FILE' : "DATABASE_URL's sslmode"} requires: ${message}.`;
  } else if (code === '28P01' || code === '28000') {
    line = `PostgreSQL at ${where} refused the credentials: ${message}. Correct the user and password in DATABASE_URL.`;
  } else if (code === '3D000') {
    line = `PostgreSQL at ${where}: ${message}. Create it (e.g. \`createdb\`) or correct DATABASE_URL.`;
  } else {
    line = `PostgreSQL at ${where} could not be opened or migrated: ${message}.`;
  }
  return new StartupError(line, { cause: error });
}
