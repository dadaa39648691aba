import { Column, Entity, ForeignKey, Index, OneToMany, type Relation } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';
import { UserEntity } from '../user/user.entity.js';
import { OrderItemEntity } from './order-item.entity.js';
import { AccountIdColumn } from '../auth/account-id-column.decorator.js';

export enum OrderStatus {
  PENDING = 'PENDING',
  PAID = 'PAID',
}

@Entity({ name: 'orders' })
export class OrderEntity {
  @IdColumn()
  id: number;

  @AccountIdColumn('orders')
  accountId: number;

  @Index('idx_orders_user')
  @ForeignKey(() => UserEntity, { name: 'fk_orders_user', onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })
  @Column({ name: 'user_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  userId: number;

  @Column({ name: 'total_amount', type: 'bigint', transformer: bigintToNumber })
  totalAmount: number;

  @Column({ type: 'varchar', length: 16, default: OrderStatus.PENDING })
  status: OrderStatus;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt: Date;

  @Column({ name: 'paid_at', type: 'datetime', precision: 3, nullable: true })
  paidAt: Date | null;

  @OneToMany(() => OrderItemEntity, (item) => item.order, { cascade: ['insert'] })
  items: Relation<OrderItemEntity>[];
}
