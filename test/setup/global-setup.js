// Plain JavaScript: jest loads its global setup outside the TypeScript transform.
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { connectionOptions, dropAllTables, loadDotEnv, testDatabaseName } from '../../scripts/lib/db-config.js';

/**
 * Starts the database (a no-op when it already runs or DB_HOST is set) and empties the test
 * database, so the first app the suite boots builds the schema through its start-up migrations.
 */
export default async function globalSetup() {
  execFileSync('bash', ['scripts/db.sh', 'start'], { stdio: 'inherit' });
  loadDotEnv(); // the same .env that db.sh and the app read
  const connection = await mysql.createConnection({ ...connectionOptions(), database: testDatabaseName() });
  try {
    await dropAllTables(connection);
  } finally {
    await connection.end();
  }
}
