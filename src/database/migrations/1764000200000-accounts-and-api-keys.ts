import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose rows belong to an account, and how an existing row finds its account. */
const OWNED_BY_USER = ['balance_charges', 'orders', 'payments'];

export class AccountsAndApiKeys1764000200000 implements MigrationInterface {
  name = 'AccountsAndApiKeys1764000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE accounts (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(100) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_accounts_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    // Keys are stored only as a SHA-256 hash; the prefix names a key without being usable.
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        account_id BIGINT UNSIGNED NOT NULL,
        prefix VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        key_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        revoked_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_api_keys_hash (key_hash),
        KEY idx_api_keys_account (account_id),
        KEY idx_api_keys_prefix (prefix),
        CONSTRAINT fk_api_keys_account FOREIGN KEY (account_id) REFERENCES accounts (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    // Rows made before accounts existed stay valid: one "legacy" account owns them all.
    await queryRunner.query(`
      INSERT INTO accounts (name, created_at)
      SELECT 'legacy', CURRENT_TIMESTAMP(3) FROM DUAL
       WHERE EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM idempotency_keys)`);
    await queryRunner.query('ALTER TABLE users ADD COLUMN account_id BIGINT UNSIGNED NULL AFTER id');
    await queryRunner.query("UPDATE users SET account_id = (SELECT id FROM accounts WHERE name = 'legacy')");
    for (const table of OWNED_BY_USER) {
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN account_id BIGINT UNSIGNED NULL AFTER id`);
      await queryRunner.query(`UPDATE ${table} t JOIN users u ON u.id = t.user_id SET t.account_id = u.account_id`);
    }
    for (const table of ['users', ...OWNED_BY_USER]) {
      await queryRunner.query(`
        ALTER TABLE ${table}
          MODIFY account_id BIGINT UNSIGNED NOT NULL,
          ADD KEY idx_${table}_account (account_id),
          ADD CONSTRAINT fk_${table}_account FOREIGN KEY (account_id) REFERENCES accounts (id)`);
    }

    // A key belongs to its caller: the account, and for a user token the user too (0 for the account's API keys).
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        ADD COLUMN account_id BIGINT UNSIGNED NULL AFTER id,
        ADD COLUMN scope_user_id BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER account_id`);
    await queryRunner.query("UPDATE idempotency_keys SET account_id = (SELECT id FROM accounts WHERE name = 'legacy')");
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        MODIFY account_id BIGINT UNSIGNED NOT NULL,
        DROP INDEX uq_idempotency_keys_key,
        ADD UNIQUE KEY uq_idempotency_keys_scope_key (account_id, scope_user_id, idempotency_key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        DROP INDEX uq_idempotency_keys_scope_key,
        ADD UNIQUE KEY uq_idempotency_keys_key (idempotency_key),
        DROP COLUMN scope_user_id,
        DROP COLUMN account_id`);
    for (const table of [...OWNED_BY_USER, 'users']) {
      await queryRunner.query(`ALTER TABLE ${table} DROP FOREIGN KEY fk_${table}_account`);
      await queryRunner.query(`ALTER TABLE ${table} DROP INDEX idx_${table}_account, DROP COLUMN account_id`);
    }
    await queryRunner.query('DROP TABLE api_keys');
    await queryRunner.query('DROP TABLE accounts');
  }
}
