import { Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, type EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel.js';
import { DatabaseBusyError } from '../errors/index.js';
import { ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, mysqlErrno } from './mysql-errors.js';

/** Errors that mean "another transaction was in the way": safe to run the whole transaction again. */
const RETRYABLE = new Set([ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK]);
const MAX_ATTEMPTS = 3;

/**
 * Owns transaction boundaries. Code inside `run` that calls `run` again joins the same
 * transaction (found through AsyncLocalStorage), so a service works alone or as part of a
 * larger unit such as an idempotent request, and always uses the manager it was handed.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);
  private readonly current = new AsyncLocalStorage<EntityManager>();
  private serverDefaultIsolation?: Promise<string>;

  constructor(private readonly dataSource: DataSource) {}

  /** Joins the transaction in progress, or opens one. */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const manager = this.current.getStore();
    return manager ? work(manager) : this.runNew(work);
  }

  /**
   * Always a new transaction, retried as a whole on deadlock or lock wait timeout. Without an
   * isolation level it runs at the server's default, which is enough wherever every read that
   * matters is a locking read of an existing row; naming one costs a round trip.
   */
  async runNew<T>(work: (manager: EntityManager) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    const inContext = (manager: EntityManager) => this.current.run(manager, () => work(manager));
    const setIsolation = isolation !== undefined && (await this.defaultIsolation()) !== isolation;
    for (let attempt = 1; ; attempt++) {
      try {
        return await (setIsolation ? this.dataSource.transaction(isolation, inContext) : this.dataSource.transaction(inContext));
      } catch (error) {
        const errno = mysqlErrno(error);
        if (errno === undefined || !RETRYABLE.has(errno)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new DatabaseBusyError();
        this.logger.warn(`transaction hit MySQL error ${errno}, attempt ${attempt} of ${MAX_ATTEMPTS}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }

  /** The server's default isolation ("READ COMMITTED"), read once: where it is the one asked for, no SET is sent. */
  private defaultIsolation(): Promise<string> {
    this.serverDefaultIsolation ??= this.dataSource
      .query('SELECT @@SESSION.tx_isolation AS level')
      .catch(() => this.dataSource.query('SELECT @@SESSION.transaction_isolation AS level'))
      .then((rows: { level: string }[]) => rows[0].level.replace('-', ' '))
      .catch(() => 'unknown');
    return this.serverDefaultIsolation;
  }

  /** The manager of the transaction in progress, or the global one outside any. */
  get manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }
}
