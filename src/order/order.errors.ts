import { DomainError } from '../common/errors/index.js';

export class OrderNotFoundError extends DomainError {
  readonly code = 'ORDER_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(id: number) {
    super(`Order ${id} does not exist`);
  }
}
