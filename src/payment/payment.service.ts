import { Injectable } from '@nestjs/common';
import { canSee, type Caller } from '../auth/caller.js';
import type { RequestContext } from '../common/context/index.js';
import { isDuplicateEntry, TransactionRunner } from '../common/transaction/index.js';
import { OrderStatus } from '../order/order.entity.js';
import { OrderService } from '../order/order.service.js';
import { UserService } from '../user/user.service.js';
import type { PaymentEntity } from './payment.entity.js';
import { InsufficientBalanceError, OrderAlreadyPaidError, OrderNotOwnedError, PaymentNotFoundError } from './payment.errors.js';
import { PaymentRepository } from './payment.repository.js';

@Injectable()
export class PaymentService {
  constructor(
    private readonly payments: PaymentRepository,
    private readonly orders: OrderService,
    private readonly users: UserService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Debits the user, records the payment and marks the order PAID in one transaction, under row locks on the order and the user. */
  pay(context: RequestContext, caller: Caller, orderId: number, userId: number): Promise<PaymentEntity> {
    return this.transactions.run(context, async (session) => {
      // Both locks go out in one round trip, order first, then user: two payments never deadlock each other.
      const locking = { order: this.orders.lockForUpdate(session, caller, orderId), user: this.users.lockForUpdate(session, caller, userId) };
      locking.user.catch(() => undefined); // the order's verdict comes first; the user's error, if any, is read below
      const order = await locking.order;
      if (order.userId !== userId) throw new OrderNotOwnedError(orderId, userId);
      if (order.status === OrderStatus.PAID) throw new OrderAlreadyPaidError(orderId);
      const user = await locking.user;
      if (user.balance < order.totalAmount) throw new InsufficientBalanceError(user.balance, order.totalAmount);

      const paidAt = new Date();
      this.users.debit(session, user, order.totalAmount);
      const payment = await this.payments.insertCompleted(session, order, order.totalAmount, paidAt).catch((error: unknown) => {
        // Unreachable under the order lock; the unique index is the last line of defence.
        throw isDuplicateEntry(error) ? new OrderAlreadyPaidError(orderId) : error;
      });
      this.orders.markPaid(session, order, paidAt);
      return payment;
    });
  }

  /** The payment, if the caller may see it; otherwise 404, exactly as for an id that does not exist. */
  async get(context: RequestContext, caller: Caller, id: number): Promise<PaymentEntity> {
    const payment = await this.payments.findInAccount(this.transactions.session(context), caller.accountId, id);
    if (!payment || !canSee(caller, payment)) throw new PaymentNotFoundError(id);
    return payment;
  }
}
