import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../common/transaction/index.js';
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

/** idempotency_keys, always through the manager of the transaction in progress (or none, for plain reads). */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly transactions: TransactionRunner) {}

  private get keys() {
    return this.transactions.manager.getRepository(IdempotencyKeyEntity);
  }

  /** A plain consistent read: enough to replay a COMPLETED key, which never changes. */
  findByKey(scope: KeyScope, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.keys.findOneBy({ accountId: scope.accountId, scopeUserId: scope.userId, key });
  }

  /** Locks the key's row (pessimistic_write) until the surrounding transaction ends. */
  findByKeyForUpdate(scope: KeyScope, key: string): Promise<IdempotencyKeyEntity | null> {
    return this.keys.findOne({ where: { accountId: scope.accountId, scopeUserId: scope.userId, key }, lock: { mode: 'pessimistic_write' } });
  }

  /** Returns the new row's id and fencing token; fails with ER_DUP_ENTRY (1062) when another request inserted the same key first. */
  async insertProcessing(scope: KeyScope, key: string, fields: ClaimFields & { expiresAt: Date }): Promise<{ id: number; token: number }> {
    const token = 1;
    const result: { insertId: number } = await this.transactions.manager.query(
      `INSERT INTO idempotency_keys
         (account_id, scope_user_id, idempotency_key, fingerprint, route, status, fencing_token, lease_expires_at, created_at, updated_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [scope.accountId, scope.userId, key, fields.fingerprint, fields.route, IdempotencyStatus.PROCESSING, token, fields.leaseExpiresAt, fields.now, fields.now, fields.expiresAt],
    );
    return { id: Number(result.insertId), token };
  }

  /** A new owner for a row the caller has locked: the fencing token moves on, so the old owner's completion will not match. */
  async reclaim(record: IdempotencyKeyEntity, fields: ClaimFields): Promise<number> {
    const token = record.fencingToken + 1;
    await this.keys.update(
      { id: record.id },
      {
        fingerprint: fields.fingerprint,
        route: fields.route,
        status: IdempotencyStatus.PROCESSING,
        fencingToken: token,
        leaseExpiresAt: fields.leaseExpiresAt,
        responseStatus: null,
        responseContentType: null,
        responseBody: null,
        updatedAt: fields.now,
        ...(fields.expiresAt ? { createdAt: fields.now, expiresAt: fields.expiresAt } : {}),
      },
    );
    return token;
  }

  /** Stores the response if the caller still owns the key; false when a newer owner has taken it over. */
  async complete(id: number, token: number, response: StoredResponse): Promise<boolean> {
    const result: { affectedRows: number } = await this.transactions.manager.query(
      `UPDATE idempotency_keys
          SET status = ?, response_status = ?, response_content_type = ?, response_body = ?, lease_expires_at = NULL, updated_at = ?
        WHERE id = ? AND fencing_token = ? AND status = ?`,
      [IdempotencyStatus.COMPLETED, response.status, response.contentType, response.body, new Date(), id, token, IdempotencyStatus.PROCESSING],
    );
    return result.affectedRows === 1;
  }

  /** Forgets a claim whose request failed without an outcome worth keeping, if it is still ours. */
  async release(id: number, token: number): Promise<void> {
    await this.keys.delete({ id, fencingToken: token, status: IdempotencyStatus.PROCESSING });
  }

  /** Deletes up to `limit` expired keys (never one whose lease is still running); returns how many. */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    const result: { affectedRows?: number } = await this.transactions.manager.query(
      `DELETE FROM idempotency_keys
        WHERE expires_at <= ? AND (status = ? OR lease_expires_at IS NULL OR lease_expires_at <= ?)
        ORDER BY expires_at LIMIT ?`,
      [now, IdempotencyStatus.COMPLETED, now, limit],
    );
    return result.affectedRows ?? 0;
  }
}
