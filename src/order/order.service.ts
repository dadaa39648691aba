import { Injectable } from '@nestjs/common';
import { canSee, type Caller } from '../auth/caller.js';
import { TransactionRunner } from '../common/transaction/index.js';
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
  create(caller: Caller, dto: CreateOrderDto): Promise<OrderEntity> {
    return this.transactions.run(async () => {
      const user = await this.users.get(caller, dto.userId);
      return this.orders.insertWithItems({ accountId: user.accountId, userId: user.id }, dto.items, totalOf(dto.items));
    });
  }

  /** The order, if the caller may see it; otherwise 404, exactly as for an id that does not exist. */
  async get(caller: Caller, id: number): Promise<OrderEntity> {
    const order = await this.orders.findInAccountWithItems(caller.accountId, id);
    if (!order || !canSee(caller, order)) throw new OrderNotFoundError(id);
    return order;
  }

  /** The caller's order, row-locked for the rest of the caller's transaction. */
  async lockForUpdate(caller: Caller, id: number): Promise<OrderEntity> {
    const order = await this.orders.findInAccountForUpdate(caller.accountId, id);
    if (!order || !canSee(caller, order)) throw new OrderNotFoundError(id);
    return order;
  }

  /** Written with the transaction's next statement. */
  markPaid(order: OrderEntity, paidAt: Date): void {
    this.orders.markPaid(order, paidAt);
  }
}
