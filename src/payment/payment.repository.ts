import { Injectable } from '@nestjs/common';
import type { Owner } from '../auth/caller.js';
import type { SqlSession } from '../common/transaction/index.js';
import { PaymentEntity, PaymentStatus } from './payment.entity.js';

@Injectable()
export class PaymentRepository {
  /** Sent now (its id goes into the answer), with whatever the transaction has queued; fails with ER_DUP_ENTRY (1062) if the order already has a payment. */
  async insertCompleted(session: SqlSession, order: { id: number } & Owner, amount: number, paidAt: Date): Promise<PaymentEntity> {
    const values = { accountId: order.accountId, orderId: order.id, userId: order.userId, amount, status: PaymentStatus.COMPLETED, paidAt };
    const result = await session.send<{ insertId: number }>(
      'INSERT INTO payments (account_id, order_id, user_id, amount, status, paid_at) VALUES (?, ?, ?, ?, ?, ?)',
      [values.accountId, values.orderId, values.userId, amount, values.status, paidAt],
    );
    return Object.assign(new PaymentEntity(), { ...values, id: Number(result.insertId) });
  }

  /** The payment if it belongs to the account; another account's payment reads as none. */
  async findInAccount(session: SqlSession, accountId: number, id: number): Promise<PaymentEntity | null> {
    const manager = await session.orm();
    return manager.findOneBy(PaymentEntity, { id, accountId });
  }
}
