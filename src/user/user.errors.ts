import { DomainError } from '../common/errors/index.js';

export class UserNotFoundError extends DomainError {
  readonly code = 'USER_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(id: number) {
    super(`User ${id} does not exist`);
  }
}

export class BalanceLimitExceededError extends DomainError {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  readonly kind = 'unprocessable';
  constructor(limit: number) {
    super(`A balance may not exceed ${limit}`);
  }
}
