import { Inject, Injectable, Logger } from '@nestjs/common';
import { logFieldsOf, type RequestContext } from '../common/context/index.js';
import { shortHash } from '../common/logging/index.js';
import { TransactionRunner, type HandOver, type SqlSession } from '../common/transaction/index.js';
import { idempotencyConfig, type IdempotencyConfig } from '../config/idempotency.config.js';
import { IdempotencyStatus, type IdempotencyKeyEntity } from './idempotency-key.entity.js';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError, IdempotencyLeaseLostError } from './idempotency.errors.js';
import { CompletedResponseCache, type ReplayCacheStats } from './completed-response.cache.js';
import { IdempotencyRepository, type KeyScope } from './idempotency.repository.js';
import type { StoredResponse } from './stored-response.js';

const RETRY_AFTER_SECONDS = 1;

const cacheKeyOf = (scope: KeyScope, key: string) => `${scope.accountId}/${scope.userId}/${key}`;

/** The right to run a request under a caller's key, valid while `token` is the key's fencing token. */
export interface Claim {
  scope: KeyScope;
  key: string;
  token: number;
  fingerprint: string;
  /** When the key is forgotten: its answer may be replayed from memory until then. */
  expiresAt: number;
  /** The request that holds the claim, named in the claim's log lines. */
  context: RequestContext;
  /** From `claim`: the claim's insert and COMMIT, still to ride with the request's transaction (TransactionRunner's `after`). */
  after?: HandOver;
}

/** takenOver: the key's earlier owner let its lease run out, and this request runs in its place. */
export type Resolution = { outcome: 'new'; claim: Claim; takenOver?: true } | { outcome: 'cached'; response: StoredResponse };

/**
 * Decides what a request with an Idempotency-Key may do: run (new), be answered from the
 * stored response (cached), or wait (conflict, thrown as a 409). Claims are committed in a
 * short transaction of their own, so a second request sees "in flight" at once instead of
 * blocking behind the first request's work.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly completed: CompletedResponseCache;

  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly transactions: TransactionRunner,
    @Inject(idempotencyConfig.KEY) private readonly config: IdempotencyConfig,
  ) {
    this.completed = new CompletedResponseCache(config.cacheBytes);
  }

  /**
   * A replay this process has seen costs no round trip (a COMPLETED row never changes): the stored
   * response of a key held in memory, a reuse error when the request differs, undefined when the
   * key is not held. Ask this first; `claim` does not look in memory.
   */
  fromMemory(scope: KeyScope, key: string, fingerprint: string): StoredResponse | undefined {
    const cached = this.completed.get(cacheKeyOf(scope, key), Date.now());
    if (cached === undefined) return undefined;
    if (cached.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    return cached.response;
  }

  /**
   * Decided by the one locking lookup of the claim, which also finds keys completed elsewhere. A new
   * claim's insert and COMMIT are handed to the request's transaction (`claim.after`), to ride with
   * its first round trip on the same connection: one connection and one round trip fewer a request.
   * Run that transaction at once; it fails with CarriedCommitFailedError when the claim lost its race
   * after all (claim again: the winner's row answers).
   */
  async claim(context: RequestContext, scope: KeyScope, key: string, fingerprint: string, route: string): Promise<Resolution> {
    const cacheKey = cacheKeyOf(scope, key);
    // READ COMMITTED: a locking read of a key that does not exist yet takes no gap lock, so two
    // first requests do not deadlock on their inserts. The loser's insert, sent with its COMMIT,
    // gets ER_DUP_ENTRY; the claim is then looked up again, and the new lookup finds the winner's row.
    const { result, after } = await this.transactions.runHandingOver(
      (session) => this.resolveLocked(session, context, scope, cacheKey, key, fingerprint, route),
      (resolution) => resolution.outcome === 'new',
      { isolation: 'READ COMMITTED', context },
    );
    if (result.outcome === 'new') result.claim.after = after;
    return result;
  }

  /**
   * Stores the outcome with the COMMIT of the transaction whose session is passed, if the claim is
   * still the key's owner; otherwise that COMMIT fails with IdempotencyLeaseLostError.
   */
  complete(session: SqlSession, claim: Claim, response: StoredResponse): void {
    this.keys.complete(session, claim.scope, claim.key, claim.token, response, () => {
      this.logger.warn({
        msg: 'lease was taken over; discarding this outcome',
        event: 'idempotency.fenced',
        keyHash: shortHash(claim.key),
        staleToken: claim.token,
        ...logFieldsOf(claim.context),
      });
      return new IdempotencyLeaseLostError(RETRY_AFTER_SECONDS);
    });
  }

  /** Call once the completion has committed: retries of this key on this process are answered from memory. */
  remember(claim: Claim, response: StoredResponse): void {
    this.completed.set(cacheKeyOf(claim.scope, claim.key), { fingerprint: claim.fingerprint, response, expiresAt: claim.expiresAt });
  }

  /** Sizes and hit counts of the replays kept in memory, for /metrics. */
  get replayCache(): ReplayCacheStats {
    return this.completed;
  }

  /** Frees the key after a failure that is not stored (validation, 5xx), so a retry runs again. */
  release(claim: Claim): Promise<void> {
    return this.keys.release(this.transactions.pool, claim.scope, claim.key, claim.token);
  }

  private async resolveLocked(
    session: SqlSession,
    context: RequestContext,
    scope: KeyScope,
    cacheKey: string,
    key: string,
    fingerprint: string,
    route: string,
  ): Promise<Resolution> {
    const now = new Date();
    const fields = { fingerprint, route, now, leaseExpiresAt: new Date(now.getTime() + this.config.leaseMs) };
    const record = await this.keys.findByKeyForUpdate(session, scope, key);
    if (!record) {
      const expiresAt = this.expiryFrom(now);
      const token = this.keys.insertProcessing(session, scope, key, { ...fields, expiresAt });
      return { outcome: 'new', claim: { scope, key, token, fingerprint, expiresAt: expiresAt.getTime(), context } };
    }
    if (this.isExpired(record, now)) {
      // Past its TTL the key counts as never seen, whatever it was used for.
      const expiresAt = this.expiryFrom(now);
      const token = this.keys.reclaim(session, record, { ...fields, expiresAt });
      return { outcome: 'new', claim: { scope, key, token, fingerprint, expiresAt: expiresAt.getTime(), context } };
    }
    if (record.status === IdempotencyStatus.COMPLETED) return this.replay(this.rememberRow(cacheKey, record), fingerprint);
    if (record.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    const leaseLeftMs = (record.leaseExpiresAt?.getTime() ?? 0) - now.getTime();
    // A live request finishes in milliseconds, so the client should look again soon, not wait out the lease.
    if (leaseLeftMs > 0) throw new IdempotencyKeyInProgressError(Math.min(RETRY_AFTER_SECONDS, Math.ceil(leaseLeftMs / 1000)));
    // The first owner's lease ran out (its process died or hung): take over under a new fencing token.
    this.logger.warn({ msg: 'lease expired; taking the key over', event: 'idempotency.taken_over', keyHash: shortHash(key), staleToken: record.fencingToken, ...logFieldsOf(context) });
    const token = this.keys.reclaim(session, record, fields);
    return { outcome: 'new', claim: { scope, key, token, fingerprint, expiresAt: record.expiresAt.getTime(), context }, takenOver: true };
  }

  private replay(completed: { fingerprint: string; response: StoredResponse }, fingerprint: string): Resolution {
    if (completed.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    return { outcome: 'cached', response: completed.response };
  }

  /** Keeps a committed COMPLETED row in memory for the replays that follow. */
  private rememberRow(cacheKey: string, record: IdempotencyKeyEntity) {
    const entry = {
      fingerprint: record.fingerprint,
      response: { status: record.responseStatus!, contentType: record.responseContentType!, body: record.responseBody! },
      expiresAt: record.expiresAt.getTime(),
    };
    this.completed.set(cacheKey, entry);
    return entry;
  }

  private isExpired(record: IdempotencyKeyEntity, now: Date): boolean {
    return record.expiresAt.getTime() <= now.getTime();
  }

  private expiryFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.ttlMs);
  }
}
