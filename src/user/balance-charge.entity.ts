import { Column, Entity, ForeignKey, Index } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';
import { UserEntity } from './user.entity.js';
import { AccountIdColumn } from '../auth/account-id-column.decorator.js';

/** One top-up of a user's balance; the ledger the audit reconciles balances against. */
@Entity({ name: 'balance_charges' })
export class BalanceChargeEntity {
  @IdColumn()
  id: number;

  @AccountIdColumn('balance_charges')
  accountId: number;

  @Index('idx_balance_charges_user')
  @ForeignKey(() => UserEntity, { name: 'fk_balance_charges_user', onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })
  @Column({ name: 'user_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  userId: number;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  amount: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt: Date;
}
