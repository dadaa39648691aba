import { Column, Entity, ForeignKey, Index } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';
import { OrderEntity } from '../order/order.entity.js';
import { UserEntity } from '../user/user.entity.js';
import { AccountIdColumn } from '../auth/account-id-column.decorator.js';

export enum PaymentStatus {
  COMPLETED = 'COMPLETED',
}

/** At most one per order (UNIQUE order_id). */
@Entity({ name: 'payments' })
export class PaymentEntity {
  @IdColumn()
  id: number;

  @AccountIdColumn('payments')
  accountId: number;

  @Index('uq_payments_order', { unique: true })
  @ForeignKey(() => OrderEntity, { name: 'fk_payments_order', onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })
  @Column({ name: 'order_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  orderId: number;

  @Index('idx_payments_user')
  @ForeignKey(() => UserEntity, { name: 'fk_payments_user', onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })
  @Column({ name: 'user_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  userId: number;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  amount: number;

  @Column({ type: 'varchar', length: 16 })
  status: PaymentStatus;

  @Column({ name: 'paid_at', type: 'datetime', precision: 3 })
  paidAt: Date;
}
