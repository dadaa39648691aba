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
