/**
 * What went wrong, in the domain's words. Services throw these; the error filter turns the
 * kind into an HTTP status and writes the contract's error body with the code.
 */
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unsupported' | 'unprocessable' | 'unavailable';

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

/** The request body is not JSON we read: malformed, not UTF-8, or nested too deep. */
export class InvalidJsonError extends DomainError {
  readonly code = 'INVALID_JSON';
  readonly kind = 'invalid';
}

/** The body is declared as something we do not read (another media type or charset). */
export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly kind = 'unsupported';
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

/** The database cannot be reached (refused, lost, timed out): nothing ran, and nothing runs without it. */
export class DatabaseUnavailableError extends DomainError {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = 2;
  constructor() {
    super('The database cannot be reached; nothing was changed, please retry');
  }
}

/** The process is stopping: another one (or this one, restarted) takes the request. */
export class ShuttingDownError extends DomainError {
  readonly code = 'SHUTTING_DOWN';
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = 1;
  override readonly headers = { connection: 'close' };
  constructor() {
    super('The service is shutting down; please retry');
  }
}
