// Plain JavaScript: jest loads its global setup outside the TypeScript transform.
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';

/**
 * Starts the database (a no-op when it already runs or DB_HOST is set) and empties the test
 * database, so the first app the suite boots builds the schema through its start-up migrations.
 */
export default async function globalSetup() {
  execFileSync('bash', ['scripts/db.sh', 'start'], { stdio: 'inherit' });
  const database = process.env.DB_TEST_NAME ?? 'payonce_test';
  if (!/test/i.test(database)) throw new Error(`Refusing to empty "${database}": a test database name must contain "test"`);
  const connection = await mysql.createConnection({
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3307),
    user: process.env.DB_USER ?? 'payonce',
    password: process.env.DB_PASSWORD ?? 'payonce',
    database,
  });
  try {
    const [tables] = await connection.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
    await connection.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const { name } of tables) await connection.query(`DROP TABLE \`${name}\``);
  } finally {
    await connection.end();
  }
}
