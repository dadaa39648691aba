import type { ValueTransformer } from 'typeorm';

/**
 * mysql2 returns BIGINT as a string; the API speaks numbers. Amounts and ids are bounded by
 * validation far below 2^53, so the conversion is exact.
 */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
