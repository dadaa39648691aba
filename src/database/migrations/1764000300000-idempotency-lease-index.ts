import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The reaper finds abandoned claims by their lease; COMPLETED and RELEASED rows have none, so the index stays small. */
export class IdempotencyLeaseIndex1764000300000 implements MigrationInterface {
  name = 'IdempotencyLeaseIndex1764000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE idempotency_keys ADD KEY idx_idempotency_keys_lease (lease_expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE idempotency_keys DROP INDEX idx_idempotency_keys_lease');
  }
}
