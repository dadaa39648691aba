import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PaymentsAndIdempotencyKeys1764000100000 implements MigrationInterface {
  name = 'PaymentsAndIdempotencyKeys1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // UNIQUE(order_id): even a bug above the database cannot pay an order twice.
    await queryRunner.query(`
      CREATE TABLE payments (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        order_id BIGINT UNSIGNED NOT NULL,
        user_id BIGINT UNSIGNED NOT NULL,
        amount BIGINT NOT NULL,
        status VARCHAR(16) NOT NULL,
        paid_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_payments_order (order_id),
        KEY idx_payments_user (user_id),
        CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (id),
        CONSTRAINT fk_payments_user FOREIGN KEY (user_id) REFERENCES users (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    // The response is a blob: a JSON column would rewrite the bytes that must be replayed.
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        idempotency_key VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        fingerprint CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        route VARCHAR(300) NOT NULL,
        status VARCHAR(16) NOT NULL,
        fencing_token INT UNSIGNED NOT NULL,
        lease_expires_at DATETIME(3) NULL,
        response_status SMALLINT UNSIGNED NULL,
        response_content_type VARCHAR(100) NULL,
        response_body MEDIUMBLOB NULL,
        created_at DATETIME(3) NOT NULL,
        updated_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_idempotency_keys_key (idempotency_key),
        KEY idx_idempotency_keys_expires (expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotency_keys');
    await queryRunner.query('DROP TABLE payments');
  }
}
