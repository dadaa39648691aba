-- The e2e suite's database, so `DB_HOST=127.0.0.1 DB_PORT=3306 npm test` works against the compose server.
CREATE DATABASE IF NOT EXISTS payonce_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON payonce_test.* TO 'payonce'@'%';
