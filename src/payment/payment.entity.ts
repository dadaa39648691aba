import { Column, Entity } from 'typeorm';
import { bigintToNumber } from '../database/bigint.transformer.js';
import { IdColumn } from '../database/id-column.decorator.js';

export enum PaymentStatus {
  COMPLETED = 'COMPLETED',
}

/** At most one per order (UNIQUE order_id). */
@Entity({ name: 'payments' })
export class PaymentEntity {
  @IdColumn()
  id: number;

  @Column({ name: 'order_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  orderId: number;

  @Column({ name: 'user_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  userId: number;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  amount: number;

  @Column({ type: 'varchar', length: 16 })
  status: PaymentStatus;

  @Column({ name: 'paid_at', type: 'datetime', precision: 3 })
  paidAt: Date;
}
