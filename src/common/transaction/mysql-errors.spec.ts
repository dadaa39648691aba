import { describe, expect, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { retryReason } from './mysql-errors.js';

const failed = (errno: number, sql: string) =>
  new QueryFailedError(sql, [], Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { errno }));

describe('retryReason', () => {
  it('names a 1213 raised by the COMMIT, alone or batched after the last writes, a certification conflict', () => {
    expect(retryReason(failed(1213, 'COMMIT'))).toBe('certification');
    expect(retryReason(failed(1213, "UPDATE orders SET status = 'PAID' WHERE id = 7;\nCOMMIT"))).toBe('certification');
    expect(retryReason(failed(1213, 'commit ;'))).toBe('certification');
  });

  it('names a 1213 on any other statement a deadlock, and 1205 a lock wait timeout', () => {
    expect(retryReason(failed(1213, 'SELECT id FROM orders WHERE id = 7 FOR UPDATE'))).toBe('deadlock');
    expect(retryReason(failed(1213, "UPDATE orders SET note = 'COMMIT' WHERE id = 7"))).toBe('deadlock');
    expect(retryReason(failed(1205, 'COMMIT'))).toBe('lock_wait');
  });

  it('retries a duplicate key raised at COMMIT (the new attempt sees the winner), not one raised by a statement', () => {
    expect(retryReason(failed(1062, 'INSERT INTO idempotency_keys VALUES (1);\nCOMMIT'))).toBe('duplicate_at_commit');
    expect(retryReason(failed(1062, 'INSERT INTO payments VALUES (1)'))).toBeUndefined();
  });

  it('gives no reason for errors that running again would not cure', () => {
    expect(retryReason(failed(1146, 'SELECT 1 FROM missing;\nCOMMIT'))).toBeUndefined();
    expect(retryReason(new Error('connect ECONNREFUSED'))).toBeUndefined();
    expect(retryReason(undefined)).toBeUndefined();
  });
});
