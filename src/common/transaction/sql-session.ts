import { QueryFailedError, type EntityManager, type QueryRunner } from 'typeorm';
import { ER_DATA_OUT_OF_RANGE, mysqlErrno } from './mysql-errors.js';
import { StatementTemplates, type Escaping } from './statement-templates.js';

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
   * A deferred write that must change exactly one row (a fenced update). When it changes none, the
   * round trip stops there, before the COMMIT it rides with, and the transaction fails with
   * `otherwise()`. Transactions only; one such write unsent at a time.
   */
  deferExpectingOneRow(sql: string, params: unknown[], otherwise: () => Error): void;
  /** TypeORM's manager, once every queued statement has gone out: for what TypeORM builds (relations, entity inserts). */
  orm(): Promise<EntityManager>;
}

/** A statement queued in a transaction, with whoever waits for its result. */
export interface Statement {
  sql: string;
  params: unknown[];
  settle?: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
  /** On ONE_ROW_CHECK: the error the transaction fails with when the write before it changed no row. */
  otherwise?: () => Error;
}

/**
 * Sent right after a write that must change one row: the largest BIGINT UNSIGNED plus one overflows
 * unless it did, and fails with ER_DATA_OUT_OF_RANGE (1690) whatever the sql_mode; a failed statement
 * stops a multi-statement round trip, so the COMMIT after it never runs. Plain SQL (no SIGNAL, which
 * needs a stored program), the same on MySQL and MariaDB, and no dearer to the server than a
 * `SELECT 1` (a scalar subquery over a UNION cost it ~25 µs more: BENCHMARKS.md, thirteenth pass).
 */
export const ONE_ROW_CHECK = 'SELECT ~0 + (ROW_COUNT() <> 1) AS one_row_changed';
/** How the server names the expression that overflowed, in both servers' messages: tells the check's 1690 from any other. */
const FAILED_CHECK = /row_count\(\)/i;

/** The part of mysql2's (callback) connection used here: its own escaping, and a query. */
interface DriverConnection extends Escaping {
  query(sql: string, values: unknown[] | undefined, callback: (error: Error | null, result: unknown) => void): void;
}

/** Every transaction's statements are the same few texts: their placeholders are found once for all. */
const templates = new StatementTemplates();

/**
 * A transaction whose last writes and COMMIT were not sent: they ride with the first round trip
 * of the next transaction on the same connection (a claim, then the work it guards). `marker`
 * tells afterwards whether that COMMIT happened when the round trip failed.
 */
export interface HandOver {
  readonly runner: QueryRunner;
  readonly statements: readonly Statement[];
  readonly marker: number;
}

/** The transaction handed over did not commit (the statement that failed was one of its own): nothing of it or of the next one stands. */
export class CarriedCommitFailedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`the transaction carried into this one did not commit: ${String(cause)}`);
  }
}

/** A session variable set right after a handed-over COMMIT: read back only when that round trip failed. */
const CARRIED_MARKER = '@payonce_carried_commit';

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
  /** How many queued statements at the front are a handed-over transaction's, still unsent. */
  private carried = 0;
  private carriedMarker = 0;

  constructor(
    private readonly runner: QueryRunner,
    opening: string[],
    handOver?: HandOver,
  ) {
    this.queue = opening.map((sql) => ({ sql, params: [] }));
    if (handOver) {
      const carried = [...handOver.statements, { sql: 'COMMIT', params: [] }, { sql: `SET ${CARRIED_MARKER} = ?`, params: [handOver.marker] }];
      this.queue.unshift(...carried);
      this.carried = carried.length;
      this.carriedMarker = handOver.marker;
      // The handed-over transaction is open on the connection.
      this.started = true;
    }
    // TypeORM's own checks (a pessimistic lock needs a transaction) see the one opened here.
    (runner as { isTransactionActive: boolean }).isTransactionActive = true;
  }

  /**
   * Ends this transaction without sending its last writes and COMMIT: they go with the first round
   * trip of the transaction the hand-over is passed to, on this connection, which it now owns.
   */
  handOver(marker: number): HandOver {
    return { runner: this.runner, statements: this.queue.splice(0), marker };
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

  deferExpectingOneRow(sql: string, params: unknown[], otherwise: () => Error): void {
    // A failed check does not say which one failed: one in a round trip at a time.
    if (this.queue.some((statement) => statement.otherwise)) throw new Error('deferExpectingOneRow: another row-count check is still unsent');
    this.queue.push({ sql, params }, { sql: ONE_ROW_CHECK, params: [], otherwise });
  }

  async orm(): Promise<EntityManager> {
    await this.flush();
    return this.runner.manager;
  }

  async commit(): Promise<void> {
    this.defer('COMMIT');
    await this.flush();
  }

  /**
   * Drops what was never sent and rolls back what was; the connection is then safe to release. A
   * handed-over transaction still unsent commits all the same: it never depended on this one.
   */
  async rollback(): Promise<void> {
    await this.flushing.catch(() => undefined);
    const unsent = this.queue.splice(0);
    for (const statement of unsent) statement.settle?.reject(new Error('transaction rolled back'));
    if (this.carried > 0) {
      const carried = unsent.slice(0, this.carried);
      this.carried = 0;
      // Committed, nothing of this transaction reached the server; failed, the ROLLBACK below undoes it.
      if (await this.execute(carried).then(() => true, () => false)) return;
    }
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
    const carrying = this.carried > 0;
    this.carried = 0;
    try {
      const results = await this.execute(batch);
      batch.forEach((statement, i) => statement.settle?.resolve(results[i]));
    } catch (failure) {
      // A failed round trip names no statement: the marker set after the carried COMMIT says which side failed.
      const error = carrying && !(await this.carriedCommitted()) ? new CarriedCommitFailedError(failure) : this.explained(batch, failure);
      for (const statement of batch) statement.settle?.reject(error);
      throw error;
    }
  }

  /** A failed row-count check as the error its write asked for; any other failure as it came. */
  private explained(batch: Statement[], failure: unknown): unknown {
    const check = batch.find((statement) => statement.otherwise);
    const failedCheck = mysqlErrno(failure) === ER_DATA_OUT_OF_RANGE && FAILED_CHECK.test((failure as Error).message);
    return check?.otherwise && failedCheck ? check.otherwise() : failure;
  }

  /** Whether the handed-over COMMIT went through; unknown (the connection is gone) reads as yes, so nothing is redone. */
  private async carriedCommitted(): Promise<boolean> {
    const rows = (await this.execute([{ sql: `SELECT ${CARRIED_MARKER} AS marker`, params: [] }]).catch(() => undefined)) as [{ marker: unknown }[]] | undefined;
    return rows === undefined || Number(rows[0][0]?.marker) === this.carriedMarker;
  }

  /**
   * Straight to mysql2's connection (the one TypeORM's runner holds), not through the runner's
   * query(): that wraps each call in a promise connection and captures a stack for it (a tenth of
   * a new payment's CPU). Failures become TypeORM's QueryFailedError, as the runner makes them.
   */
  private async execute(batch: Statement[]): Promise<unknown[]> {
    this.connection ??= (await this.runner.connect()) as DriverConnection;
    const connection = this.connection;
    // Formatted here, values and all, so the driver has nothing left to format.
    const sql = batch.map((statement) => templates.format(connection, statement.sql, statement.params)).join(';\n');
    this.runner.connection.logger.logQuery(sql, undefined, this.runner);
    const result = await new Promise<unknown>((resolve, reject) =>
      connection.query(sql, undefined, (error, rows) => (error ? reject(new QueryFailedError(sql, undefined, error)) : resolve(rows))),
    );
    return batch.length === 1 ? [result] : (result as unknown[]);
  }
}
