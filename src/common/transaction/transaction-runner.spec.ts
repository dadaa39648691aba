import { describe, expect, it, jest } from '@jest/globals';
import { QueryFailedError, type DataSource } from 'typeorm';
import { DatabaseBusyError } from '../errors/index.js';
import { CarriedCommitFailedError, ONE_ROW_CHECK, type SqlSession } from './sql-session.js';
import { TransactionRunner } from './transaction-runner.js';

const mysqlError = (errno: number, sql = 'UPDATE users …', message = `errno ${errno}`) => new QueryFailedError(sql, [], Object.assign(new Error(message), { errno }));

/** A DataSource whose connections record every round trip; `fail` decides which round trip throws. */
function fakeDataSource(fail: (sql: string) => Error | undefined = () => undefined, serverIsolation = 'READ-COMMITTED', failStatement: (statement: string) => QueryFailedError | undefined = () => undefined) {
  const roundTrips: string[] = [];
  const format = (sql: string, values: unknown[]) => sql.replace(/\?/g, () => JSON.stringify(values.shift()));
  /** One round trip as the server would answer it; the error is the driver's, as mysql2 raises it. */
  // What the connection's session variable holds: a statement before a failing one ran, as on a server.
  let carriedMarker: unknown;
  const roundTrip = (sql: string, params: unknown[] = []) => {
    const text = format(sql, [...params]);
    roundTrips.push(text);
    const error = fail(text);
    if (error) throw error instanceof QueryFailedError ? error.driverError : error;
    const statements = text.split(';\n');
    const results = statements.map((s) => {
      const failed = failStatement(s);
      if (failed) throw failed.driverError;
      const marker = /^SET @payonce_carried_commit = (\d+)$/.exec(s);
      if (marker) carriedMarker = Number(marker[1]);
      if (s.startsWith('SELECT @payonce_carried_commit')) return [{ marker: carriedMarker ?? null }];
      return s.startsWith('SELECT') ? [{ id: 1 }] : { affectedRows: 1, insertId: 7 };
    });
    return statements.length === 1 ? results[0] : results;
  };
  // mysql2's callback connection, which BatchedTransaction sends to.
  const connection = {
    format,
    query: (sql: string, params: unknown[] | undefined, callback: (error: Error | null, result?: unknown) => void) => {
      let result: unknown;
      try {
        result = roundTrip(sql, params);
      } catch (error) {
        return queueMicrotask(() => callback(error as Error));
      }
      queueMicrotask(() => callback(null, result));
    },
  };
  const createQueryRunner = jest.fn(() => ({
    isTransactionActive: false,
    manager: { name: 'tx manager' },
    connection: { logger: { logQuery: () => undefined } },
    connect: async () => connection,
    release: jest.fn(async () => undefined),
    query: jest.fn(async (sql: string, params: unknown[] = []) => {
      try {
        return roundTrip(sql, params);
      } catch (error) {
        throw new QueryFailedError(sql, params, error as Error);
      }
    }),
  }));
  const query = jest.fn(async (_sql: string) => [{ level: serverIsolation }]);
  const dataSource = { createQueryRunner, query, manager: { name: 'global' } } as unknown as DataSource;
  return { dataSource, roundTrips, createQueryRunner };
}

describe('TransactionRunner', () => {
  it('sends what is queued in one tick as one round trip, and the last writes with the COMMIT', async () => {
    const { dataSource, roundTrips } = fakeDataSource();
    const runner = new TransactionRunner(dataSource);
    const answer = await runner.runNew(async (session) => {
      const [order, user] = await Promise.all([session.send('SELECT order ? FOR UPDATE', [1]), session.send('SELECT user ? FOR UPDATE', [2])]);
      session.defer('UPDATE users SET balance = ?', [5]);
      const payment = await session.send<{ insertId: number }>('INSERT INTO payments VALUES (?)', [3]);
      session.defer('UPDATE orders SET status = ?', ['PAID']);
      return { order, user, payment: payment.insertId };
    });
    expect(answer).toEqual({ order: [{ id: 1 }], user: [{ id: 1 }], payment: 7 });
    expect(roundTrips).toEqual([
      'START TRANSACTION;\nSELECT order 1 FOR UPDATE;\nSELECT user 2 FOR UPDATE',
      'UPDATE users SET balance = 5;\nINSERT INTO payments VALUES (3)',
      'UPDATE orders SET status = "PAID";\nCOMMIT',
    ]);
  });

  describe('a write that must change one row', () => {
    const lost = new Error('taken over');
    const fencedWork = async (session: SqlSession) => {
      await session.send('SELECT key ? FOR UPDATE', [1]);
      session.defer('UPDATE orders SET status = ?', ['PAID']);
      session.deferExpectingOneRow('UPDATE keys SET status = ? WHERE token = ?', ['COMPLETED', 1], () => lost);
    };

    it('rides with the COMMIT, the check between them', async () => {
      const { dataSource, roundTrips } = fakeDataSource();
      await new TransactionRunner(dataSource).runNew(fencedWork);
      expect(roundTrips).toEqual(['START TRANSACTION;\nSELECT key 1 FOR UPDATE', `UPDATE orders SET status = "PAID";\nUPDATE keys SET status = "COMPLETED" WHERE token = 1;\n${ONE_ROW_CHECK};\nCOMMIT`]);
    });

    it('fails the transaction with its own error, rolled back and not retried, when it changed no row', async () => {
      // The message MariaDB sends for it (MySQL's quotes the same expression in parentheses).
      const noRow = mysqlError(1690, ONE_ROW_CHECK, "BIGINT UNSIGNED value is out of range in '~0 + (row_count() <> 1)'");
      const { dataSource, roundTrips, createQueryRunner } = fakeDataSource(undefined, undefined, (statement) => (statement === ONE_ROW_CHECK ? noRow : undefined));
      await expect(new TransactionRunner(dataSource).runNew(fencedWork)).rejects.toBe(lost);
      expect(roundTrips.at(-1)).toBe('ROLLBACK');
      expect(createQueryRunner).toHaveBeenCalledTimes(1);
    });

    it('leaves any other failure of its round trip as the driver raised it, an overflow elsewhere too', async () => {
      const missing = mysqlError(1146, 'UPDATE keys');
      const { dataSource } = fakeDataSource(undefined, undefined, (statement) => (statement.startsWith('UPDATE keys') ? missing : undefined));
      await expect(new TransactionRunner(dataSource).runNew(fencedWork)).rejects.toMatchObject({ driverError: missing.driverError });
      const overflow = mysqlError(1690, 'UPDATE orders', "BIGINT UNSIGNED value is out of range in '`total` - 5'");
      const other = fakeDataSource(undefined, undefined, (statement) => (statement.startsWith('UPDATE orders') ? overflow : undefined));
      await expect(new TransactionRunner(other.dataSource).runNew(fencedWork)).rejects.toMatchObject({ driverError: overflow.driverError });
    });

    it('is one to a round trip: a second one before the first went out is refused', async () => {
      const { dataSource } = fakeDataSource();
      const twice = async (session: SqlSession) => {
        session.deferExpectingOneRow('UPDATE a SET x = 1', [], () => lost);
        session.deferExpectingOneRow('UPDATE b SET x = 1', [], () => lost);
      };
      await expect(new TransactionRunner(dataSource).runNew(twice)).rejects.toThrow('another row-count check is still unsent');
    });
  });

  describe('a transaction handed over to the next one on its connection', () => {
    const claimThen = async (runner: TransactionRunner, then: (session: SqlSession) => Promise<unknown>) => {
      const { after } = await runner.runHandingOver(
        async (session) => {
          await session.send('SELECT key ? FOR UPDATE', [1]);
          session.defer('INSERT INTO idempotency_keys VALUES (?)', [1]);
          return 'new';
        },
        (outcome) => outcome === 'new',
      );
      return runner.runNew(then, { after });
    };

    it('sends its insert and COMMIT with the next transaction\'s first round trip, on the same connection', async () => {
      const { dataSource, roundTrips, createQueryRunner } = fakeDataSource();
      const runner = new TransactionRunner(dataSource);
      await claimThen(runner, async (session) => {
        await session.send('SELECT order ? FOR UPDATE', [2]);
        session.defer('UPDATE orders SET status = ?', ['PAID']);
      });
      expect(roundTrips).toEqual([
        'START TRANSACTION;\nSELECT key 1 FOR UPDATE',
        'INSERT INTO idempotency_keys VALUES (1);\nCOMMIT;\nSET @payonce_carried_commit = 1;\nSTART TRANSACTION;\nSELECT order 2 FOR UPDATE',
        'UPDATE orders SET status = "PAID";\nCOMMIT',
      ]);
      expect(createQueryRunner).toHaveBeenCalledTimes(1);
    });

    it('fails with CarriedCommitFailedError, rolled back and not retried, when its own statement failed', async () => {
      const duplicate = mysqlError(1062, 'INSERT INTO idempotency_keys');
      const { dataSource, roundTrips, createQueryRunner } = fakeDataSource(undefined, undefined, (statement) => (statement.startsWith('INSERT INTO idempotency_keys') ? duplicate : undefined));
      const runner = new TransactionRunner(dataSource);
      const failed = await claimThen(runner, (session) => session.send('SELECT order ? FOR UPDATE', [2])).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(CarriedCommitFailedError);
      expect((failed as CarriedCommitFailedError).cause).toMatchObject({ driverError: duplicate.driverError });
      expect(runner.countLostRace((failed as CarriedCommitFailedError).cause)).toBe(true);
      expect(roundTrips.slice(2)).toEqual(['SELECT @payonce_carried_commit AS marker', 'ROLLBACK']);
      expect(createQueryRunner).toHaveBeenCalledTimes(1);
    });

    it('is a plain failure of the next transaction, retried afresh, when the carried COMMIT went through', async () => {
      let deadlocks = 0;
      const { dataSource, roundTrips, createQueryRunner } = fakeDataSource(undefined, undefined, (statement) => (statement.startsWith('SELECT order') && deadlocks++ === 0 ? mysqlError(1213) : undefined));
      const runner = new TransactionRunner(dataSource);
      await expect(claimThen(runner, (session) => session.send('SELECT order ? FOR UPDATE', [2]))).resolves.toEqual([{ id: 1 }]);
      expect(roundTrips.slice(2)).toEqual(['SELECT @payonce_carried_commit AS marker', 'ROLLBACK', 'START TRANSACTION;\nSELECT order 2 FOR UPDATE', 'COMMIT']);
      expect(createQueryRunner).toHaveBeenCalledTimes(2);
      expect(runner.retries.deadlock).toBe(1);
    });

    it('still commits when the next transaction fails before sending anything', async () => {
      const { dataSource, roundTrips } = fakeDataSource();
      await expect(claimThen(new TransactionRunner(dataSource), async () => Promise.reject(new Error('business rule')))).rejects.toThrow('business rule');
      expect(roundTrips.slice(1)).toEqual(['INSERT INTO idempotency_keys VALUES (1);\nCOMMIT;\nSET @payonce_carried_commit = 1']);
    });
  });

  it('runs the whole transaction again after a deadlock or a lock wait timeout, on a new connection', async () => {
    const errors = [mysqlError(1213), mysqlError(1205)];
    const { dataSource, roundTrips, createQueryRunner } = fakeDataSource((sql) => (sql.includes('COMMIT') ? errors.shift() : undefined));
    const result = await new TransactionRunner(dataSource).runNew(async (session) => {
      session.defer('UPDATE users SET balance = 1');
      return 'paid';
    });
    expect(result).toBe('paid');
    expect(createQueryRunner).toHaveBeenCalledTimes(3);
    expect(roundTrips.filter((sql) => sql === 'ROLLBACK')).toHaveLength(2);
  });

  it('names a 1213 at COMMIT a certification conflict in its log, and retries it the same bounded way', async () => {
    let refused = 0;
    const { dataSource, createQueryRunner } = fakeDataSource((sql) => (sql.endsWith('COMMIT') && refused++ < 2 ? mysqlError(1213, sql) : undefined));
    const runner = new TransactionRunner(dataSource);
    const warnings: string[] = [];
    const lines: { msg: string; requestId?: string }[] = [];
    jest.spyOn((runner as unknown as { logger: { warn: (line: { msg: string }) => void } }).logger, 'warn').mockImplementation((line) => {
      lines.push(line);
      warnings.push(line.msg);
    });
    const context = { requestId: 'r-9' };
    await expect(runner.runNew(async (session) => session.defer('UPDATE users SET balance = 1'), { context })).resolves.toBeUndefined();
    expect(lines.map((line) => line.requestId)).toEqual(['r-9', 'r-9']);
    expect(createQueryRunner).toHaveBeenCalledTimes(3);
    expect(warnings).toEqual([expect.stringMatching(/certification conflict.*attempt 1 of 3/), expect.stringMatching(/certification conflict.*attempt 2 of 3/)]);
    expect(warnings.join()).not.toMatch(/deadlock/);
  });

  it('runs the transaction again when a duplicate key surfaces at COMMIT, as TiDB may report one; the rerun sees the winner', async () => {
    let commits = 0;
    const { dataSource, createQueryRunner } = fakeDataSource((sql) => (sql.endsWith('COMMIT') && commits++ === 0 ? mysqlError(1062, sql) : undefined));
    let attempts = 0;
    const answer = await new TransactionRunner(dataSource).runNew(async (session) => {
      attempts++;
      session.defer('INSERT INTO idempotency_keys VALUES (1)');
      return attempts === 1 ? 'claimed' : 'found the winner';
    });
    expect(answer).toBe('found the winner');
    expect(createQueryRunner).toHaveBeenCalledTimes(2);
  });

  it('gives up after three attempts with DATABASE_BUSY (503), never the SQL error', async () => {
    const { dataSource } = fakeDataSource((sql) => (sql.includes('COMMIT') ? mysqlError(1213) : undefined));
    await expect(new TransactionRunner(dataSource).runNew(async () => 'paid')).rejects.toBeInstanceOf(DatabaseBusyError);
  });

  it('does not retry other errors, and rolls back only what reached the server', async () => {
    const duplicate = mysqlError(1062);
    const { dataSource, roundTrips, createQueryRunner } = fakeDataSource((sql) => (sql.includes('INSERT') ? duplicate : undefined));
    await expect(new TransactionRunner(dataSource).runNew(async (session) => session.send('INSERT INTO payments VALUES (1)'))).rejects.toMatchObject({
      constructor: QueryFailedError,
      driverError: duplicate.driverError,
    });
    expect(createQueryRunner).toHaveBeenCalledTimes(1);
    expect(roundTrips.at(-1)).toBe('ROLLBACK');

    const quiet = fakeDataSource();
    await expect(new TransactionRunner(quiet.dataSource).runNew(async () => Promise.reject(new Error('business rule')))).rejects.toThrow('business rule');
    expect(quiet.roundTrips).toEqual([]);
  });

  it("lets a service join the request's transaction, and gives the pool outside one", async () => {
    const { dataSource, createQueryRunner } = fakeDataSource();
    const runner = new TransactionRunner(dataSource);
    const [outer, inner] = await runner.runNew(async (session) => {
      const context = { requestId: 'r-1', transaction: session };
      return runner.run(context, async (joined) => [session, runner.session(context) === joined ? joined : undefined]);
    });
    expect(inner).toBe(outer);
    expect(createQueryRunner).toHaveBeenCalledTimes(1);
    expect(runner.session({ requestId: 'r-2' })).toBe(runner.pool);
    expect(() => runner.pool.defer('UPDATE x')).toThrow(/inside TransactionRunner.run/);
    await runner.run({ requestId: 'r-3' }, async (own) => expect(own).not.toBe(runner.pool));
    expect(createQueryRunner).toHaveBeenCalledTimes(2);
  });

  it('names the isolation level only when the server default differs, in the same round trip', async () => {
    const committed = fakeDataSource(undefined, 'READ-COMMITTED');
    await new TransactionRunner(committed.dataSource).runNew((session) => session.send('SELECT 1'), { isolation: 'READ COMMITTED' });
    expect(committed.roundTrips[0]).toBe('START TRANSACTION;\nSELECT 1');
    const repeatable = fakeDataSource(undefined, 'REPEATABLE-READ');
    await new TransactionRunner(repeatable.dataSource).runNew((session) => session.send('SELECT 1'), { isolation: 'READ COMMITTED' });
    expect(repeatable.roundTrips[0]).toBe('SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\nSTART TRANSACTION;\nSELECT 1');
  });
});
