import { QueryFailedError } from 'typeorm';

/** MySQL/MariaDB error numbers the code reacts to, by name. */
export const ER_DUP_ENTRY = 1062;
export const ER_LOCK_WAIT_TIMEOUT = 1205;
export const ER_LOCK_DEADLOCK = 1213;

/** The server's error number behind a failed query, if it was one. */
export function mysqlErrno(error: unknown): number | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const errno = (error.driverError as { errno?: unknown } | undefined)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

/** True when a query failed because a unique key already holds the value. */
export const isDuplicateEntry = (error: unknown): boolean => mysqlErrno(error) === ER_DUP_ENTRY;

/** Socket and protocol failures of mysql2: the server is down, unreachable or went away mid-query. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR',
]);
/** What mysql2 (and TypeORM, for a pool that is gone) throws instead of a coded error when the pool or connection is closed. */
const CONNECTION_MESSAGES = [/pool is closed/i, /connection is in closed state/i, /connection lost/i, /connection is not (yet )?established/i];

/**
 * True when an error (or what it wraps: TypeORM's driverError, a cause) says the database could
 * not be reached, as opposed to refusing a statement. Such an error means nothing was committed.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (const { code, fatal, message } of errorChain(error)) {
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    // mysql2 marks an error after which the connection is unusable as fatal.
    if (fatal === true) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}

/** The driver's code (or else the message) of the first error in the chain that has one: for a log line. */
export function driverCodeOf(error: unknown): string {
  for (const { code } of errorChain(error)) if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** An error and what it wraps (TypeORM's driverError, a cause), a few levels deep. */
function* errorChain(error: unknown): Generator<{ code?: unknown; fatal?: unknown; message?: unknown }> {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; depth++) {
    yield current as { code?: unknown; fatal?: unknown; message?: unknown };
    current = (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
}
