import { describe, expect, it, jest } from '@jest/globals';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { DatabaseBusyError } from '../errors/index.js';
import { TransactionRunner } from './transaction-runner.js';

const mysqlError = (errno: number) => new QueryFailedError('UPDATE users …', [], Object.assign(new Error(`errno ${errno}`), { errno }));

/** A DataSource whose transactions fail with the given errors first, then succeed. */
function dataSourceFailing(...errors: Error[]) {
  const manager = { name: 'tx manager' } as unknown as EntityManager;
  const transaction = jest.fn(async (...args: unknown[]) => {
    const work = args.at(-1) as (m: EntityManager) => Promise<unknown>;
    const error = errors.shift();
    if (error) throw error;
    return work(manager);
  });
  const query = jest.fn(async (_sql: string) => [{ level: 'REPEATABLE-READ' }]);
  return { dataSource: { transaction, query, manager: { name: 'global' } } as unknown as DataSource, transaction, manager };
}

describe('TransactionRunner', () => {
  it('runs the whole transaction again after a deadlock or a lock wait timeout', async () => {
    const { dataSource, transaction } = dataSourceFailing(mysqlError(1213), mysqlError(1205));
    const result = await new TransactionRunner(dataSource).runNew(async () => 'paid');
    expect(result).toBe('paid');
    expect(transaction).toHaveBeenCalledTimes(3);
  });

  it('gives up after three attempts with DATABASE_BUSY (503), never the SQL error', async () => {
    const { dataSource } = dataSourceFailing(mysqlError(1213), mysqlError(1213), mysqlError(1213));
    await expect(new TransactionRunner(dataSource).runNew(async () => 'paid')).rejects.toBeInstanceOf(DatabaseBusyError);
  });

  it('does not retry other errors', async () => {
    const duplicate = mysqlError(1062);
    const { dataSource, transaction } = dataSourceFailing(duplicate);
    await expect(new TransactionRunner(dataSource).runNew(async () => 'paid')).rejects.toBe(duplicate);
    expect(transaction).toHaveBeenCalledTimes(1);
  });

  it('lets nested work join the transaction in progress and hands it the same manager', async () => {
    const { dataSource, transaction, manager } = dataSourceFailing();
    const runner = new TransactionRunner(dataSource);
    const seen = await runner.runNew(async () => runner.run(async (inner) => [inner, runner.manager]));
    expect(seen).toEqual([manager, manager]);
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(runner.manager).toEqual({ name: 'global' });
  });

  it('names the isolation level only when the server default differs', async () => {
    const { dataSource, transaction } = dataSourceFailing();
    const runner = new TransactionRunner(dataSource);
    await runner.runNew(async () => undefined, 'READ COMMITTED');
    await runner.runNew(async () => undefined);
    expect(transaction.mock.calls[0][0]).toBe('READ COMMITTED');
    expect(typeof transaction.mock.calls[1][0]).toBe('function');
  });
});
