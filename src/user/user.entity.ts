import { Check, Column, Entity } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';
import { AccountIdColumn } from '../auth/account-id-column.decorator.js';

@Entity({ name: 'users' })
@Check('chk_users_balance_non_negative', '`balance` >= 0')
export class UserEntity {
  @IdColumn()
  id: number;

  @AccountIdColumn('users')
  accountId: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'bigint', default: 0, transformer: bigintToNumber })
  balance: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt: Date;
}
