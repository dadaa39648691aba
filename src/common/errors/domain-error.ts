/**
 * What went wrong, in the domain's words. Services throw these; the error filter turns the
 * kind into an HTTP status and writes the contract's error body with the code.
 */
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: DomainErrorKind;
  /** Seconds a client should wait before retrying, sent as Retry-After. */
  readonly retryAfterSeconds?: number;
  /** Further response headers the error implies (e.g. WWW-Authenticate on a 401). */
  readonly headers?: Record<string, string>;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request body or a parameter failed validation. */
export class ValidationFailedError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = 'invalid';
}

/** A database lock could not be had in time even after retrying; nothing was written. */
export class DatabaseBusyError extends DomainError {
  readonly code = 'DATABASE_BUSY';
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('The database is busy; nothing was changed, please retry');
  }
}
