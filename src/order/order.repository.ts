import { Injectable } from '@nestjs/common';
import type { Owner } from '../auth/caller.js';
import type { SqlSession } from '../common/transaction/index.js';
import type { OrderItemDto } from './dto/create-order.dto.js';
import { OrderItemEntity } from './order-item.entity.js';
import { OrderEntity, OrderStatus } from './order.entity.js';

interface OrderRow {
  id: string;
  account_id: string;
  user_id: string;
  total_amount: string;
  status: OrderStatus;
  created_at: Date;
  paid_at: Date | null;
}

/** Orders and their items, through the session each caller passes (a transaction, or the pool). */
@Injectable()
export class OrderRepository {

  /** The order row now (its id is needed), the items with the transaction's next statement. */
  async insertWithItems(session: SqlSession, owner: Owner, items: OrderItemDto[], totalAmount: number): Promise<OrderEntity> {
    const createdAt = new Date();
    const result = await session.send<{ insertId: number }>(
      'INSERT INTO orders (account_id, user_id, total_amount, status, created_at) VALUES (?, ?, ?, ?, ?)',
      [owner.accountId, owner.userId, totalAmount, OrderStatus.PENDING, createdAt],
    );
    const id = Number(result.insertId);
    session.defer('INSERT INTO order_items (order_id, name, unit_price, quantity) VALUES ?', [items.map((item) => [id, item.name, item.unitPrice, item.quantity])]);
    return Object.assign(new OrderEntity(), {
      id,
      ...owner,
      totalAmount,
      status: OrderStatus.PENDING,
      createdAt,
      paidAt: null,
      items: items.map((item) => Object.assign(new OrderItemEntity(), item)),
    });
  }

  /** The order with its items if it belongs to the account; another account's order reads as none. */
  async findInAccountWithItems(session: SqlSession, accountId: number, id: number): Promise<OrderEntity | null> {
    const manager = await session.orm();
    return manager.findOne(OrderEntity, { where: { id, accountId }, relations: { items: true }, order: { items: { id: 'ASC' } } });
  }

  /** Locks the account's order row until the surrounding transaction ends (items are not loaded). */
  async findInAccountForUpdate(session: SqlSession, accountId: number, id: number): Promise<OrderEntity | null> {
    const rows = await session.send<OrderRow[]>(
      'SELECT id, account_id, user_id, total_amount, status, created_at, paid_at FROM orders WHERE id = ? AND account_id = ? FOR UPDATE',
      [id, accountId],
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return Object.assign(new OrderEntity(), {
      id: Number(row.id),
      accountId: Number(row.account_id),
      userId: Number(row.user_id),
      totalAmount: Number(row.total_amount),
      status: row.status,
      createdAt: row.created_at,
      paidAt: row.paid_at,
    });
  }

  /** Queued: it goes out with the transaction's next statement. */
  markPaid(session: SqlSession, order: OrderEntity, paidAt: Date): void {
    session.defer('UPDATE orders SET status = ?, paid_at = ? WHERE id = ?', [OrderStatus.PAID, paidAt, order.id]);
    order.status = OrderStatus.PAID;
    order.paidAt = paidAt;
  }
}
