import { Injectable } from '@nestjs/common';
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

  create(dto: CreateOrderDto): Promise<OrderEntity> {
    return this.transactions.run(async () => {
      await this.users.get(dto.userId);
      return this.orders.insertWithItems(dto.userId, dto.items, totalOf(dto.items));
    });
  }

  async get(id: number): Promise<OrderEntity> {
    const order = await this.orders.findWithItems(id);
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  /** The order, row-locked for the rest of the caller's transaction. */
  async lockForUpdate(id: number): Promise<OrderEntity> {
    const order = await this.orders.findByIdForUpdate(id);
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  markPaid(order: OrderEntity, paidAt: Date): Promise<void> {
    return this.orders.markPaid(order, paidAt);
  }
}
