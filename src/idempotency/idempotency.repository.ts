import { Injectable } from '@nestjs/common';
import { DataSource, type EntityMetadata } from 'typeorm';
import type { SqlSession } from '../common/transaction/index.js';
import { IdempotencyKeyEntity, IdempotencyStatus } from './idempotency-key.entity.js';
import type { StoredResponse } from './stored-response.js';

/** Whose key it is: the account, and the user of a user token (0 for the account's API keys). */
export interface KeyScope {
  accountId: number;
  userId: number;
}

export interface ClaimFields {
  fingerprint: string;
  route: string;
  leaseExpiresAt: Date;
  now: Date;
  /** Set when the key starts a new life (never seen, or expired); kept on a lease takeover. */
  expiresAt?: Date;
}

const ALIAS = 'k';
/** The scope and key of a row, in the order of the unique key uq_idempotency_keys_scope_key. */
const BY_SCOPED_KEY = 'account_id = ? AND scope_user_id = ? AND idempotency_key = ?';

/** idempotency_keys, through the session each caller passes (a transaction, or the pool). */
@Injectable()
export class IdempotencyRepository {
  private readonly metadata: EntityMetadata;
  /** TypeORM's pessimistic_write lookup of a scoped key, built once: per request only the values change. */
  private readonly lockingLookup: string;

  constructor(private readonly dataSource: DataSource) {
    this.metadata = dataSource.getMetadata(IdempotencyKeyEntity);
    [this.lockingLookup] = dataSource
      .createQueryBuilder(IdempotencyKeyEntity, ALIAS)
      .setLock('pessimistic_write')
      .where(`${ALIAS}.accountId = :accountId AND ${ALIAS}.scopeUserId = :scopeUserId AND ${ALIAS}.key = :key`, { accountId: 0, scopeUserId: 0, key: '' })
      .getQueryAndParameters();
  }

  /** Locks the key's row (pessimistic_write) until the surrounding transaction ends. */
  async findByKeyForUpdate(session: SqlSession, scope: KeyScope, key: string): Promise<IdempotencyKeyEntity | null> {
    const rows = await session.send<Record<string, unknown>[]>(this.lockingLookup, [scope.accountId, scope.userId, key]);
    return rows.length ? this.hydrate(rows[0]) : null;
  }

  /** Queued with the claim's COMMIT; that COMMIT fails with ER_DUP_ENTRY (1062) when another request inserted the same key first. */
  insertProcessing(session: SqlSession, scope: KeyScope, key: string, fields: ClaimFields & { expiresAt: Date }): number {
    const token = 1;
    session.defer(
      `INSERT INTO idempotency_keys
         (account_id, scope_user_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [scope.accountId, scope.userId, key, fields.fingerprint, fields.route, IdempotencyStatus.PROCESSING, token, fields.leaseExpiresAt, fields.now, fields.now, fields.expiresAt],
    );
    return token;
  }

  /** A new owner for a row the caller has locked: the fencing token moves on, so the old owner's completion will not match. Queued with the COMMIT. */
  reclaim(session: SqlSession, record: IdempotencyKeyEntity, fields: ClaimFields): number {
    const token = record.fencingToken + 1;
    const renewed = fields.expiresAt ? ', created_at = ?, expires_at = ?' : '';
    session.defer(
      `UPDATE idempotency_keys
          SET fingerprint = ?, route = ?, status = ?, fencing_token = ?, lease_expires_at = ?,
              response_status = NULL, response_content_type = NULL, response_body = NULL, updated_at = ?${renewed}
        WHERE id = ?`,
      [fields.fingerprint, fields.route, IdempotencyStatus.PROCESSING, token, fields.leaseExpiresAt, fields.now, ...(fields.expiresAt ? [fields.now, fields.expiresAt] : []), record.id],
    );
    return token;
  }

  /**
   * Stores the response with the COMMIT, if the caller still owns the key; when a newer owner has
   * taken it over, the transaction fails with `lost()` instead of committing, in the same round trip.
   */
  complete(session: SqlSession, scope: KeyScope, key: string, token: number, response: StoredResponse, lost: () => Error): void {
    session.deferExpectingOneRow(
      `UPDATE idempotency_keys
          SET status = ?, response_status = ?, response_content_type = ?, response_body = ?, lease_expires_at = NULL, updated_at = ?
        WHERE ${BY_SCOPED_KEY} AND fencing_token = ? AND status = ?`,
      [IdempotencyStatus.COMPLETED, response.status, response.contentType, response.body, new Date(), scope.accountId, scope.userId, key, token, IdempotencyStatus.PROCESSING],
      lost,
    );
  }

  /** Forgets a claim whose request failed without an outcome worth keeping, if it is still ours. */
  async release(session: SqlSession, scope: KeyScope, key: string, token: number): Promise<void> {
    await session.send(`DELETE FROM idempotency_keys WHERE ${BY_SCOPED_KEY} AND fencing_token = ? AND status = ?`, [
      scope.accountId,
      scope.userId,
      key,
      token,
      IdempotencyStatus.PROCESSING,
    ]);
  }

  /** Deletes up to `limit` expired keys (never one whose lease is still running); returns how many. */
  async deleteExpired(session: SqlSession, now: Date, limit: number): Promise<number> {
    const result = await session.send<{ affectedRows?: number }>(
      `DELETE FROM idempotency_keys
        WHERE expires_at <= ? AND (status = ? OR lease_expires_at IS NULL OR lease_expires_at <= ?)
        ORDER BY expires_at LIMIT ?`,
      [now, IdempotencyStatus.COMPLETED, now, limit],
    );
    return result.affectedRows ?? 0;
  }

  /**
   * Marks up to `limit` claims whose lease ran out before `now` as RELEASED; returns how many. Their
   * row and fencing token stay, so a process that is only slow cannot complete one any more, and
   * the next request with the key takes it over under a new token.
   */
  async releaseAbandoned(session: SqlSession, now: Date, limit: number): Promise<number> {
    const result = await session.send<{ affectedRows?: number }>(
      `UPDATE idempotency_keys SET status = ?, lease_expires_at = NULL, updated_at = ?
        WHERE lease_expires_at <= ? AND status = ?
        ORDER BY lease_expires_at LIMIT ?`,
      [IdempotencyStatus.RELEASED, now, now, IdempotencyStatus.PROCESSING, limit],
    );
    return result.affectedRows ?? 0;
  }

  /** The entity from the lookup's raw row, converted by TypeORM's own driver rules (dates, transformers). */
  private hydrate(row: Record<string, unknown>): IdempotencyKeyEntity {
    const entity = new IdempotencyKeyEntity() as unknown as Record<string, unknown>;
    for (const column of this.metadata.columns) {
      entity[column.propertyName] = this.dataSource.driver.prepareHydratedValue(row[`${ALIAS}_${column.databaseName}`], column);
    }
    return entity as unknown as IdempotencyKeyEntity;
  }
}
