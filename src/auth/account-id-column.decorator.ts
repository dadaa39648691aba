import { Column, ForeignKey, Index } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { AccountEntity } from './account.entity.js';

/** The owning account of a row: indexed, a foreign key to accounts, named as the migration names it. */
export function AccountIdColumn(table: string): PropertyDecorator {
  return (target, property) => {
    Index(`idx_${table}_account`)(target, property);
    ForeignKey(() => AccountEntity, { name: `fk_${table}_account`, onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })(target, property);
    Column({ name: 'account_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })(target, property);
  };
}
