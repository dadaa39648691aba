import { Column, Entity, ForeignKey, Index } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';
import { AccountEntity } from './account.entity.js';

/** One API key of an account, stored only as its hash; an account may hold several (rotation). */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @IdColumn()
  id: number;

  @Index('idx_api_keys_account')
  @ForeignKey(() => AccountEntity, { name: 'fk_api_keys_account', onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })
  @Column({ name: 'account_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  accountId: number;

  /** "po_sk_" and the first 8 random characters: enough to name the key, useless to call with. */
  @Index('idx_api_keys_prefix')
  @Column({ type: 'varchar', length: 32, charset: 'ascii', collation: 'ascii_bin' })
  prefix: string;

  /** SHA-256 of the key, hex. */
  @Index('uq_api_keys_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'char', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  keyHash: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, default: () => 'CURRENT_TIMESTAMP(3)' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt: Date | null;
}
