import { DomainError } from '../common/errors/index.js';

export class IdempotencyKeyMissingError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_MISSING';
  readonly kind = 'invalid';
  constructor() {
    super('This endpoint requires an Idempotency-Key header (a UUID v4 is recommended)');
  }
}

export class IdempotencyKeyInvalidError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_INVALID';
  readonly kind = 'invalid';
}

export class IdempotencyKeyInProgressError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_PROGRESS';
  readonly kind = 'conflict';
  constructor(override readonly retryAfterSeconds: number) {
    super('A request with this Idempotency-Key is still being processed');
  }
}

/** The claim's lease ran out and another request took the key over: this outcome is not stored. */
export class IdempotencyLeaseLostError extends IdempotencyKeyInProgressError {}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly kind = 'unprocessable';
  constructor() {
    super('This Idempotency-Key was already used for a different request (method, path or body)');
  }
}
