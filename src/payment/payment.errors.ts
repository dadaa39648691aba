import { DomainError } from '../common/errors/index.js';

export class PaymentNotFoundError extends DomainError {
  readonly code = 'PAYMENT_NOT_FOUND';
  readonly kind = 'not_found';
  constructor(id: number) {
    super(`Payment ${id} does not exist`);
  }
}

export class OrderNotOwnedError extends DomainError {
  readonly code = 'ORDER_NOT_OWNED';
  readonly kind = 'forbidden';
  constructor(orderId: number, userId: number) {
    super(`Order ${orderId} does not belong to user ${userId}`);
  }
}

export class OrderAlreadyPaidError extends DomainError {
  readonly code = 'ORDER_ALREADY_PAID';
  readonly kind = 'conflict';
  constructor(orderId: number) {
    super(`Order ${orderId} has already been paid`);
  }
}

export class InsufficientBalanceError extends DomainError {
  readonly code = 'INSUFFICIENT_BALANCE';
  readonly kind = 'unprocessable';
  constructor(balance: number, amount: number) {
    super(`Balance ${balance} is lower than the amount ${amount}`);
  }
}
