import { Column, Entity, Index, JoinColumn, ManyToOne, type Relation } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';
import { OrderEntity } from './order.entity.js';

@Entity({ name: 'order_items' })
export class OrderItemEntity {
  @IdColumn()
  id: number;

  @Index('idx_order_items_order')
  @ManyToOne(() => OrderEntity, (order) => order.items, { nullable: false, onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })
  @JoinColumn({ name: 'order_id', foreignKeyConstraintName: 'fk_order_items_order' })
  order: Relation<OrderEntity>;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'unit_price', type: 'bigint', transformer: bigintToNumber })
  unitPrice: number;

  @Column({ type: 'int' })
  quantity: number;
}
