import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { logFieldsOf, NO_REQUEST, type RequestContext } from '../context/index.js';
import { DatabaseBusyError } from '../errors/index.js';
import { lostRaceReason, retryReason, type RetryReason } from './mysql-errors.js';
import { BatchedTransaction, type HandOver, type SqlSession } from './sql-session.js';

const MAX_ATTEMPTS = 3;
/** How each reason reads in a log line. */
const DESCRIBED: Record<RetryReason, string> = {
  deadlock: 'a deadlock (MySQL error 1213)',
  lock_wait: 'a lock wait timeout (MySQL error 1205)',
  certification: 'a certification conflict (error 1213 at COMMIT: another cluster node committed a conflicting write first)',
  duplicate_at_commit: 'a duplicate key at COMMIT (MySQL error 1062: another transaction inserted the same key first)',
};
export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export interface RunOptions {
  isolation?: IsolationLevel;
  /** The request the transaction serves: its retry warnings carry the request id. */
  context?: RequestContext;
  /** A transaction handed over by runHandingOver: its COMMIT rides with this one's first round trip, on its connection. */
  after?: HandOver;
}

/**
 * Owns transaction boundaries. A service's `run(context, work)` joins the transaction the request
 * already runs in (`context.transaction`, set by the idempotency interceptor) or opens its own, so
 * a service works alone or as part of a larger unit such as an idempotent request. Repositories
 * get the session as their first argument: the one way they reach the database.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);
  /** Outside any transaction: each statement on its own pooled connection. */
  readonly pool: SqlSession;
  private serverDefaultIsolation?: Promise<string>;
  /** Numbers each hand-over, so its marker on the connection is its own. */
  private handOvers = 0;
  /** Transactions run again, by why: plain counts that /metrics copies in when it is read. */
  readonly retries: Record<RetryReason, number> = { deadlock: 0, lock_wait: 0, certification: 0, duplicate_at_commit: 0 };

  constructor(private readonly dataSource: DataSource) {
    this.pool = {
      send: <T>(sql: string, params?: unknown[]) => this.dataSource.query<T>(sql, params),
      defer: () => {
        throw new Error('defer() queues a write for a COMMIT: call it inside TransactionRunner.run');
      },
      deferExpectingOneRow: () => {
        throw new Error('deferExpectingOneRow() queues a write for a COMMIT: call it inside TransactionRunner.run');
      },
      orm: async () => this.dataSource.manager,
    };
  }

  /** The request's transaction when it runs in one, otherwise the pool: for reads. */
  session(context: RequestContext): SqlSession {
    return context.transaction ?? this.pool;
  }

  /** Joins the request's transaction, or opens one. */
  run<T>(context: RequestContext, work: (session: SqlSession) => Promise<T>): Promise<T> {
    return context.transaction ? work(context.transaction) : this.runNew(work, { context });
  }

  /**
   * Always a new transaction, retried as a whole on deadlock, lock wait timeout or certification
   * conflict (see retryReason). Its opening statements ride with its first statement, and its
   * COMMIT with its last writes. Without an
   * isolation level it runs at the server's default; naming one that differs costs nothing extra.
   */
  async runNew<T>(work: (session: SqlSession) => Promise<T>, options: RunOptions = {}): Promise<T> {
    return (await this.attempt(work, () => false, options)).result;
  }

  /**
   * runNew, except that when `handOver(result)` says so the transaction's last writes and COMMIT
   * are not sent: they ride with the first round trip of the transaction that gets `after` (runNew's
   * option), on the same connection, which the hand-over holds until then. That transaction fails
   * with CarriedCommitFailedError when this COMMIT is what failed.
   */
  runHandingOver<T>(work: (session: SqlSession) => Promise<T>, handOver: (result: T) => boolean, options: RunOptions = {}): Promise<{ result: T; after?: HandOver }> {
    return this.attempt(work, handOver, options);
  }

  private async attempt<T>(
    work: (session: SqlSession) => Promise<T>,
    handOver: (result: T) => boolean,
    { isolation, context = NO_REQUEST, after }: RunOptions,
  ): Promise<{ result: T; after?: HandOver }> {
    const setIsolation = isolation !== undefined && (await this.defaultIsolation()) !== isolation;
    const opening = setIsolation ? [`SET TRANSACTION ISOLATION LEVEL ${isolation}`, 'START TRANSACTION'] : ['START TRANSACTION'];
    for (let attempt = 1; ; attempt++) {
      // Only the first attempt follows the handed-over transaction: a rerun finds it committed.
      const transaction = attempt === 1 && after ? new BatchedTransaction(after.runner, opening, after) : new BatchedTransaction(this.dataSource.createQueryRunner(), opening);
      let handedOver = false;
      try {
        const result = await work(transaction);
        if (handOver(result)) {
          handedOver = true;
          return { result, after: transaction.handOver(++this.handOvers) };
        }
        await transaction.commit();
        return { result };
      } catch (error) {
        await transaction.rollback();
        const reason = retryReason(error);
        if (reason === undefined) throw error;
        this.retries[reason]++;
        if (attempt >= MAX_ATTEMPTS) {
          this.logger.warn({ msg: `transaction hit ${DESCRIBED[reason]} on its last attempt (${attempt} of ${MAX_ATTEMPTS}); answering DATABASE_BUSY`, ...logFieldsOf(context) });
          throw new DatabaseBusyError();
        }
        // Two first requests with one key meet as a duplicate at COMMIT all the time: not worth a warning.
        const level = reason === 'duplicate_at_commit' ? 'debug' : 'warn';
        this.logger[level]({ msg: `transaction hit ${DESCRIBED[reason]}, attempt ${attempt} of ${MAX_ATTEMPTS}; retrying`, ...logFieldsOf(context) });
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      } finally {
        if (!handedOver) await transaction.release();
      }
    }
  }

  /**
   * For a CarriedCommitFailedError's cause: true (and counted with the retries) when another
   * transaction was in the way, so the handed-over work is worth doing again from its start.
   */
  countLostRace(error: unknown): boolean {
    const reason = lostRaceReason(error);
    if (reason !== undefined) this.retries[reason]++;
    return reason !== undefined;
  }

  /** The server's default isolation ("READ COMMITTED"), read once: where it is the one asked for, no SET is sent. */
  private defaultIsolation(): Promise<string> {
    this.serverDefaultIsolation ??= this.dataSource
      .query('SELECT @@SESSION.tx_isolation AS level')
      .catch(() => this.dataSource.query('SELECT @@SESSION.transaction_isolation AS level'))
      .then((rows: { level: string }[]) => rows[0].level.replace('-', ' '))
      .catch(() => {
        // Not remembered: asked during an outage, it is asked again once the database is back.
        this.serverDefaultIsolation = undefined;
        return 'unknown';
      });
    return this.serverDefaultIsolation;
  }
}
