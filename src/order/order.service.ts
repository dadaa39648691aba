import { Injectable } from '@nestjs/common';
import { canSee, type Caller } from '../auth/caller.js';
import type { RequestContext } from '../common/context/index.js';
import { TransactionRunner, type SqlSession } from '../common/transaction/index.js';
import { UserService } from '../user/user.service.js';
import type { CreateOrderDto, OrderItemDto } from './dto/create-order.dto.js';
import type { OrderEntity } from './order.entity.js';
import { OrderNotFoundError } from './order.errors.js';
import { OrderRepository } from './order.repository.js';

/** The server decides what an order costs; a client's idea of the total is never trusted. */
export function totalOf(items: Pick<OrderItemDto, 'unitPrice' | 'quantity'>[]): number {
  return items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
}

@Injectable()
export class OrderService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly users: UserService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** An order for one of the caller's users (a user token: for itself only). */
  create(context: RequestContext, caller: Caller, dto: CreateOrderDto): Promise<OrderEntity> {
    return this.transactions.run(context, async (session) => {
      const user = await this.users.get({ ...context, transaction: session }, caller, dto.userId);
      return this.orders.insertWithItems(session, { accountId: user.accountId, userId: user.id }, dto.items, totalOf(dto.items));
    });
  }

  /** The order, if the caller may see it; otherwise 404, exactly as for an id that does not exist. */
  async get(context: RequestContext, caller: Caller, id: number): Promise<OrderEntity> {
    const order = await this.orders.findInAccountWithItems(this.transactions.session(context), caller.accountId, id);
    if (!order || !canSee(caller, order)) throw new OrderNotFoundError(id);
    return order;
  }

  /** The caller's order, row-locked for the rest of the transaction whose session is passed. */
  async lockForUpdate(session: SqlSession, caller: Caller, id: number): Promise<OrderEntity> {
    const order = await this.orders.findInAccountForUpdate(session, caller.accountId, id);
    if (!order || !canSee(caller, order)) throw new OrderNotFoundError(id);
    return order;
  }

  /** Written with the transaction's next statement. */
  markPaid(session: SqlSession, order: OrderEntity, paidAt: Date): void {
    this.orders.markPaid(session, order, paidAt);
  }
}
