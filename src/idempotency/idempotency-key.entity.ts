import { Column, Entity, Index } from 'typeorm';
import { bigintToNumber } from '../common/entity/bigint.transformer.js';
import { IdColumn } from '../common/entity/id-column.decorator.js';

export enum IdempotencyStatus {
  PROCESSING = 'PROCESSING',
  COMPLETED = 'COMPLETED',
  /** Abandoned: its process died mid-request and its lease ran out; the next request with the key takes it over under a new fencing token. */
  RELEASED = 'RELEASED',
}

/**
 * One Idempotency-Key and what became of it. A COMPLETED row never changes again, so a
 * replay reads it without a lock. The response is kept as the exact bytes that were sent.
 */
@Entity({ name: 'idempotency_keys' })
@Index('uq_idempotency_keys_scope_key', ['accountId', 'scopeUserId', 'key'], { unique: true })
export class IdempotencyKeyEntity {
  @IdColumn()
  id: number;

  /** The caller's account: a key string names a different request for every caller. */
  @Column({ name: 'account_id', type: 'bigint', unsigned: true, transformer: bigintToNumber })
  accountId: number;

  /** The user of a user token, 0 for the account's API keys. */
  @Column({ name: 'scope_user_id', type: 'bigint', unsigned: true, default: 0, transformer: bigintToNumber })
  scopeUserId: number;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, charset: 'ascii', collation: 'ascii_bin' })
  key: string;

  /** SHA-256 (hex) of method, path and the body with object keys sorted. */
  @Column({ type: 'char', length: 64, charset: 'ascii', collation: 'ascii_bin' })
  fingerprint: string;

  /** "POST /api/v1/payments": what the key was used for, for people and the audit. */
  @Column({ type: 'varchar', length: 300 })
  route: string;

  @Column({ type: 'varchar', length: 16 })
  status: IdempotencyStatus;

  /** Bumped whenever a new owner claims the key; a completion must carry the current one. */
  @Column({ name: 'fencing_token', type: 'int', unsigned: true })
  fencingToken: number;

  /** Set only while PROCESSING, so the index holds just the claims in flight: what the reaper scans. */
  @Index('idx_idempotency_keys_lease')
  @Column({ name: 'lease_expires_at', type: 'datetime', precision: 3, nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'response_status', type: 'smallint', unsigned: true, nullable: true })
  responseStatus: number | null;

  @Column({ name: 'response_content_type', type: 'varchar', length: 100, nullable: true })
  responseContentType: string | null;

  @Column({ name: 'response_body', type: 'mediumblob', nullable: true })
  responseBody: Buffer | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  /** created_at + IDEMPOTENCY_TTL_HOURS: past it the key counts as never seen and is purged. */
  @Index('idx_idempotency_keys_expires')
  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt: Date;
}
