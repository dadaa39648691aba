import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../common/transaction/index.js';
import { PaymentEntity, PaymentStatus } from './payment.entity.js';

@Injectable()
export class PaymentRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  private get payments() {
    return this.transactions.manager.getRepository(PaymentEntity);
  }

  /** Fails with ER_DUP_ENTRY (1062) if the order already has a payment. */
  async insertCompleted(orderId: number, userId: number, amount: number, paidAt: Date): Promise<PaymentEntity> {
    const values = { orderId, userId, amount, status: PaymentStatus.COMPLETED, paidAt };
    const result: { insertId: number } = await this.transactions.manager.query(
      'INSERT INTO payments (order_id, user_id, amount, status, paid_at) VALUES (?, ?, ?, ?, ?)',
      [orderId, userId, amount, values.status, paidAt],
    );
    return this.payments.create({ ...values, id: Number(result.insertId) });
  }

  findById(id: number): Promise<PaymentEntity | null> {
    return this.payments.findOneBy({ id });
  }
}
