import { Column, Entity, Index } from 'typeorm';
import { IdColumn } from '../common/entity/id-column.decorator.js';

/** A customer of payonce: it owns the users, orders, payments and idempotency keys made with its API keys. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @IdColumn()
  id: number;

  @Index('uq_accounts_name', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt: Date;
}
