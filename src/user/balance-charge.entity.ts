import { Column, Entity } from 'typeorm';
import { bigintToNumber } from '../database/bigint.transformer.js';
import { IdColumn } from '../database/id-column.decorator.js';

/** One top-up of a user's balance; the ledger the audit reconciles balances against. */
@Entity({ name: 'balance_charges' })
export class BalanceChargeEntity {
  @IdColumn()
  id: number;

  @Column({ name: 'user_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  userId: number;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  amount: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
