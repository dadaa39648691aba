import { QueryFailedError } from 'typeorm';

/** MySQL/MariaDB error numbers the code reacts to, by name. */
export const ER_DUP_ENTRY = 1062;
export const ER_LOCK_WAIT_TIMEOUT = 1205;
export const ER_LOCK_DEADLOCK = 1213;
/** "BIGINT UNSIGNED value is out of range": how the one-row check after a fenced write fails (sql-session.ts). */
export const ER_DATA_OUT_OF_RANGE = 1690;

/** The server's error number behind a failed query, if it was one. */
export function mysqlErrno(error: unknown): number | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const errno = (error.driverError as { errno?: unknown } | undefined)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

/** True when a query failed because a unique key already holds the value. */
export const isDuplicateEntry = (error: unknown): boolean => mysqlErrno(error) === ER_DUP_ENTRY;

/** Why a transaction is worth running again: another transaction was in the way. */
export type RetryReason = 'deadlock' | 'lock_wait' | 'certification' | 'duplicate_at_commit';

/** The failed statement ended the transaction: InnoDB never reports a deadlock there, Galera's certification does. */
const FAILED_AT_COMMIT = /\bCOMMIT\s*;?\s*$/i;

/**
 * What stopped a transaction, when running it again may succeed. Galera answers 1213 with
 * InnoDB's deadlock text both when certification refuses a COMMIT (another node committed a
 * conflicting write set first) and when such a write set aborts a transaction mid-way; only the
 * first is told apart, by the statement that failed, and the second reads as a deadlock.
 * ER_DUP_ENTRY in the batch that ends with the COMMIT (a deferred insert lost a race, or an
 * engine that checks unique keys at COMMIT, like TiDB's optimistic transactions) is retried too:
 * the new attempt reads the winner's row and answers from it.
 */
export function retryReason(error: unknown): RetryReason | undefined {
  const errno = mysqlErrno(error);
  if (errno === ER_LOCK_WAIT_TIMEOUT) return 'lock_wait';
  const atCommit = errno !== undefined && FAILED_AT_COMMIT.test((error as QueryFailedError).query ?? '');
  if (errno === ER_DUP_ENTRY) return atCommit ? 'duplicate_at_commit' : undefined;
  if (errno !== ER_LOCK_DEADLOCK) return undefined;
  return atCommit ? 'certification' : 'deadlock';
}

/**
 * Why a transaction whose COMMIT was handed to the next one's first round trip (a claim) did not
 * commit, when another transaction was in the way: its insert met the same key (1062), a deadlock
 * or certification conflict (1213), a lock wait timeout (1205). Looking again finds the winner.
 */
export function lostRaceReason(error: unknown): RetryReason | undefined {
  const errno = mysqlErrno(error);
  if (errno === ER_DUP_ENTRY) return 'duplicate_at_commit';
  if (errno === ER_LOCK_WAIT_TIMEOUT) return 'lock_wait';
  return errno === ER_LOCK_DEADLOCK ? 'deadlock' : undefined;
}

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
  // mysql2's PoolCluster (a DB_HOST list) with every host passed over
  'POOL_NOEXIST',
  'POOL_NONEONLINE',
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
