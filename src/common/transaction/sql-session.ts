import { QueryFailedError, type EntityManager, type QueryRunner } from 'typeorm';

/**
 * How a repository reaches the database, the one way for all of them: inside a transaction the
 * statements of the transaction in progress, outside one the pool.
 */
export interface SqlSession {
  /** A statement whose result is needed. Inside a transaction, statements sent in the same tick share one round trip. */
  send<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
  /** A write nobody waits for: it goes out with the next `send` or with the COMMIT, in the same round trip. Transactions only. */
  defer(sql: string, params?: unknown[]): void;
  /**
   * A read whose answer is needed later: inside a transaction it rides with the next round trip (a
   * lock taken first, at no cost of its own); awaiting it before then sends it, with whatever is queued.
   */
  readAhead<T = unknown>(sql: string, params?: unknown[]): PromiseLike<T>;
  /** TypeORM's manager, once every queued statement has gone out: for what TypeORM builds (relations, entity inserts). */
  orm(): Promise<EntityManager>;
}

interface Statement {
  sql: string;
  params: unknown[];
  settle?: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
}

/** The part of mysql2's (callback) connection used here: its own escaping, and a query. */
interface DriverConnection {
  format(sql: string, values: unknown[]): string;
  query(sql: string, values: unknown[] | undefined, callback: (error: Error | null, result: unknown) => void): void;
}

/**
 * A transaction on one connection that sends its statements in batches: everything queued when a
 * result is needed goes out as one multi-statement round trip, and the COMMIT rides with the last
 * writes. Statements run on the server in the order they were queued, so lock order is kept.
 */
export class BatchedTransaction implements SqlSession {
  private queue: Statement[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  /** Once anything reached the server, ending early needs a ROLLBACK. */
  private started = false;
  private connection?: DriverConnection;

  constructor(
    private readonly runner: QueryRunner,
    opening: string[],
  ) {
    this.queue = opening.map((sql) => ({ sql, params: [] }));
    // TypeORM's own checks (a pessimistic lock needs a transaction) see the one opened here.
    (runner as { isTransactionActive: boolean }).isTransactionActive = true;
  }

  send<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ sql, params, settle: { resolve: resolve as (value: unknown) => void, reject } });
      // Whatever else is queued in this tick (another repository's lock, deferred writes) goes in the same round trip.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.flush().catch(() => undefined);
        });
      }
    });
  }

  defer(sql: string, params: unknown[] = []): void {
    this.queue.push({ sql, params });
  }

  readAhead<T = unknown>(sql: string, params: unknown[] = []): PromiseLike<T> {
    const statement: Statement = { sql, params };
    const answer = new Promise<T>((resolve, reject) => (statement.settle = { resolve: resolve as (value: unknown) => void, reject }));
    // A transaction that ends before anyone reads the answer rejects it: not an unhandled rejection.
    answer.catch(() => undefined);
    this.queue.push(statement);
    return {
      // Read before any round trip took it along: it goes now.
      then: (onFulfilled, onRejected) => {
        if (this.queue.includes(statement)) this.flush().catch(() => undefined);
        return answer.then(onFulfilled, onRejected);
      },
    };
  }

  async orm(): Promise<EntityManager> {
    await this.flush();
    return this.runner.manager;
  }

  async commit(): Promise<void> {
    this.defer('COMMIT');
    await this.flush();
  }

  /** Drops what was never sent and rolls back what was; the connection is then safe to release. */
  async rollback(): Promise<void> {
    await this.flushing.catch(() => undefined);
    for (const statement of this.queue.splice(0)) statement.settle?.reject(new Error('transaction rolled back'));
    if (this.started) await this.runner.query('ROLLBACK').catch(() => undefined);
  }

  release(): Promise<void> {
    (this.runner as { isTransactionActive: boolean }).isTransactionActive = false;
    return this.runner.release();
  }

  /** One flush at a time, in queue order; after a failed one the transaction is doomed and every later flush fails too. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.sendQueued());
    return this.flushing;
  }

  private async sendQueued(): Promise<void> {
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    this.started = true;
    try {
      const results = await this.execute(batch);
      batch.forEach((statement, i) => statement.settle?.resolve(results[i]));
    } catch (error) {
      for (const statement of batch) statement.settle?.reject(error);
      throw error;
    }
  }

  /**
   * Straight to mysql2's connection (the one TypeORM's runner holds), not through the runner's
   * query(): that wraps each call in a promise connection and captures a stack for it (a tenth of
   * a new payment's CPU). Failures become TypeORM's QueryFailedError, as the runner makes them.
   */
  private async execute(batch: Statement[]): Promise<unknown[]> {
    this.connection ??= (await this.runner.connect()) as DriverConnection;
    const connection = this.connection;
    const single = batch.length === 1;
    const sql = single ? batch[0].sql : batch.map((statement) => connection.format(statement.sql, statement.params)).join(';\n');
    const params = single ? batch[0].params : undefined;
    this.runner.connection.logger.logQuery(sql, params, this.runner);
    const result = await new Promise<unknown>((resolve, reject) =>
      connection.query(sql, params, (error, rows) => (error ? reject(new QueryFailedError(sql, params, error)) : resolve(rows))),
    );
    return single ? [result] : (result as unknown[]);
  }
}
