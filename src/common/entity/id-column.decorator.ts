import { PrimaryColumn } from 'typeorm';
import { bigintToNumber } from './bigint.transformer.js';

/** An auto-increment BIGINT UNSIGNED primary key that the code sees as a number. */
export function IdColumn(): PropertyDecorator {
  return PrimaryColumn({ type: 'bigint', unsigned: true, generated: 'increment', transformer: bigintToNumber });
}
