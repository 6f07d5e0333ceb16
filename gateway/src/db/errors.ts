// Prisma error codes meaning "the database cannot be reached right now"
// (https://www.prisma.io/docs/orm/reference/error-reference): can't reach server, timed out,
// server closed the connection, timed out waiting for a pooled connection.
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// Driver adapter error kinds (Prisma 7 driver adapters) with the same meaning.
const ADAPTER_UNAVAILABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// SQLSTATE: class 08 connection exceptions, 57P01–57P03 server shutting down / starting, 53300 too many connections.
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;
// pg / pg-pool messages for a connection that died or could not be made in time.
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Connection closed|Client has encountered a connection error/i;

interface MaybeDbError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
}

/**
 * True when `err` (or an error in its `cause` chain) says the database is unreachable, not that the
 * query was wrong: the management API answers 503 "retry shortly" for those instead of an opaque 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as MaybeDbError | undefined, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (PRISMA_UNAVAILABLE.has(code) || SOCKET_CODES.has(code) || SQLSTATE_UNAVAILABLE.test(code)) return true;
    const kind = e.meta?.driverAdapterError?.cause?.kind;
    if (typeof kind === 'string' && ADAPTER_UNAVAILABLE.has(kind)) return true;
    if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
    e = e.cause as MaybeDbError | undefined;
  }
  return false;
}
