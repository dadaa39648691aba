import { Injectable } from '@nestjs/common';
import type { Owner } from '../auth/caller.js';
import { TransactionRunner } from '../common/transaction/index.js';
import type { OrderItemDto } from './dto/create-order.dto.js';
import { OrderItemEntity } from './order-item.entity.js';
import { OrderEntity, OrderStatus } from './order.entity.js';

/** Orders and their items, always through the manager of the transaction in progress. */
@Injectable()
export class OrderRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  private get manager() {
    return this.transactions.manager;
  }

  /** Two statements: the order row, then all its items in one multi-row INSERT. */
  async insertWithItems(owner: Owner, items: OrderItemDto[], totalAmount: number): Promise<OrderEntity> {
    const values = { accountId: owner.accountId, userId: owner.userId, totalAmount, status: OrderStatus.PENDING, createdAt: new Date(), paidAt: null };
    // insert() writes the raw generated values (BIGINT strings) back into what it is given: give it copies.
    const { identifiers } = await this.manager.insert(OrderEntity, { ...values });
    const id = Number(identifiers[0].id);
    await this.manager.insert(OrderItemEntity, items.map((item) => ({ ...item, order: { id } })));
    return this.manager.create(OrderEntity, { ...values, id, items: items.map((item) => ({ ...item })) });
  }

  /** The order if it belongs to the account; another account's order reads as none. */
  findInAccountWithItems(accountId: number, id: number): Promise<OrderEntity | null> {
    return this.manager.findOne(OrderEntity, { where: { id, accountId }, relations: { items: true }, order: { items: { id: 'ASC' } } });
  }

  /** Locks the account's order row until the surrounding transaction ends (items are not loaded). */
  findInAccountForUpdate(accountId: number, id: number): Promise<OrderEntity | null> {
    return this.manager.findOne(OrderEntity, { where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
  }

  async markPaid(order: OrderEntity, paidAt: Date): Promise<void> {
    await this.manager.query('UPDATE orders SET status = ?, paid_at = ? WHERE id = ?', [OrderStatus.PAID, paidAt, order.id]);
    order.status = OrderStatus.PAID;
    order.paidAt = paidAt;
  }
}
