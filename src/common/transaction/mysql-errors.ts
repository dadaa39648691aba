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
