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
    // insert() writes the raw generated id (a BIGINT string) back into what it is given: give it a copy.
    const { identifiers } = await this.payments.insert({ ...values });
    return this.payments.create({ ...values, id: Number(identifiers[0].id) });
  }

  findById(id: number): Promise<PaymentEntity | null> {
    return this.payments.findOneBy({ id });
  }
}
