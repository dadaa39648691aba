import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../common/transaction/index.js';
import { IDEMPOTENCY_OUTCOMES } from '../idempotency/idempotency-outcome.js';
import { IdempotencyService } from '../idempotency/idempotency.service.js';
import { RequestDurations } from './request-durations.js';

/** Seconds; few buckets, so a scrape stays small: a payment takes milliseconds, a stuck one seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The counts mysql2's pool keeps and does not publish (TypeORM's driver holds one such pool). */
interface MysqlPoolInternals {
  config: { connectionLimit: number };
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
}

function increment(counts: Map<string, number>, label: string): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}

/**
 * Every metric /metrics exports, in a registry of this app's own (two apps in one process, as the
 * tests make, do not collide). No label takes an unbounded value: routes are patterns, outcomes
 * and codes come from fixed lists, and nothing carries a key, an id or an account.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requestDurations = new RequestDurations(
    'payonce_http_request_duration_seconds',
    'Time to answer a request, by method, route pattern (or "unmatched") and status',
    DURATION_BUCKETS,
    this.registry,
  );
  // Plain counts, copied into their counters when /metrics is read: a prom-client counter with labels hashes them on every inc.
  private readonly outcomeCounts = new Map<string, number>(IDEMPOTENCY_OUTCOMES.map((outcome) => [outcome, 0]));
  private readonly paymentCounts = new Map<string, number>([['COMPLETED', 0]]);
  private readonly purgedKeys = new Counter({ name: 'payonce_idempotency_keys_purged_total', help: 'Expired idempotency keys deleted', registers: [this.registry] });
  private readonly reapedKeys = new Counter({
    name: 'payonce_idempotency_keys_reaped_total',
    help: 'Abandoned PROCESSING idempotency keys reaped',
    registers: [this.registry],
  });

  constructor(dataSource: DataSource, idempotency: IdempotencyService, transactions: TransactionRunner) {
    collectDefaultMetrics({ register: this.registry });
    this.countedBy('payonce_idempotency_requests_total', 'Requests with an Idempotency-Key by what the key led to (each request once, by its last outcome)', 'outcome', () => this.outcomeCounts);
    this.countedBy('payonce_payments_total', 'Payments decided (replays excluded), by outcome: COMPLETED or the business error code', 'outcome', () => this.paymentCounts);
    this.registerReplayCache(idempotency);
    this.registerPool(dataSource);
    this.registerTransactionRetries(transactions);
  }

  /** Called once per answered request, 404s and 401s included. */
  observeRequest(request: FastifyRequest, reply: FastifyReply, route: string): void {
    this.requestDurations.seriesFor(request.method, route, reply.statusCode).observe(reply.elapsedTime / 1000);
    if (request.idempotency) increment(this.outcomeCounts, request.idempotency.outcome);
  }

  /** A payment that ran (not a replay): COMPLETED, or the code of the business error that answered it. */
  countPayment(outcome: string): void {
    increment(this.paymentCounts, outcome);
  }

  countPurgedKeys(count: number): void {
    if (count > 0) this.purgedKeys.inc(count);
  }

  /** For the reaper of abandoned PROCESSING keys. */
  countReapedKeys(count: number): void {
    if (count > 0) this.reapedKeys.inc(count);
  }

  /** The Prometheus text of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** A counter by one label whose values are plain counts kept elsewhere, read when /metrics is. */
  private countedBy(name: string, help: string, label: string, counts: () => Iterable<[string, number]>): void {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, count] of counts()) this.inc({ [label]: value }, count);
      },
    });
  }

  private registerReplayCache(idempotency: IdempotencyService): void {
    const cache = () => idempotency.replayCache;
    const registers = [this.registry];
    // The cache keeps plain counts (an increment per lookup); the scrape copies them in.
    new Counter({
      name: 'payonce_replay_cache_hits_total',
      help: 'Replays answered from this process\'s memory',
      registers,
      collect() {
        this.reset();
        this.inc(cache().hits);
      },
    });
    new Counter({
      name: 'payonce_replay_cache_misses_total',
      help: 'Key lookups the memory could not answer (first requests included), which went on to the database',
      registers,
      collect() {
        this.reset();
        this.inc(cache().misses);
      },
    });
    new Gauge({ name: 'payonce_replay_cache_entries', help: 'Completed responses kept in memory', registers, collect() { this.set(cache().size); } });
    new Gauge({
      name: 'payonce_replay_cache_bytes',
      help: 'Bytes counted against IDEMPOTENCY_CACHE_BYTES',
      registers,
      collect() {
        this.set(cache().bytes);
      },
    });
  }

  private registerTransactionRetries(transactions: TransactionRunner): void {
    this.countedBy(
      'payonce_db_transaction_retries_total',
      'Transactions run again, by reason: deadlock, lock_wait, certification (a Galera conflict at COMMIT) or duplicate_at_commit',
      'reason',
      () => Object.entries(transactions.retries),
    );
  }

  private registerPool(dataSource: DataSource): void {
    const pool = () => (dataSource.driver as unknown as { pool?: MysqlPoolInternals }).pool;
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (pool: MysqlPoolInternals) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const current = pool();
          this.set(current ? read(current) : 0);
        },
      });
    gauge('payonce_db_pool_connections_in_use', 'Pool connections lent out to a query or transaction', (p) => p._allConnections.length - p._freeConnections.length);
    gauge('payonce_db_pool_connections_idle', 'Open pool connections waiting to be lent', (p) => p._freeConnections.length);
    gauge('payonce_db_pool_requests_waiting', 'Requests queued for a connection because all are in use', (p) => p._connectionQueue.length);
    gauge('payonce_db_pool_connections_max', 'DB_POOL_SIZE: the most connections the pool opens', (p) => p.config.connectionLimit);
  }
}
