// Plain JavaScript: jest loads its global setup outside the TypeScript transform.
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { dropAllTables, loadDotEnv, testDatabaseName } from '../../scripts/lib/db-config.js';

/** Starts the cluster (a no-op for nodes already running) and empties its test database, so migrations build it anew. */
export default async function globalSetup() {
  execFileSync('bash', ['scripts/cluster.sh', 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  loadDotEnv();
  const connection = await mysql.createConnection({
    host: '127.0.0.1',
    port: Number(process.env.CLUSTER_SQL_PORT ?? 3341),
    user: process.env.DB_USER ?? 'payonce',
    password: process.env.DB_PASSWORD ?? 'payonce',
    database: testDatabaseName(),
  });
  try {
    await dropAllTables(connection);
  } finally {
    await connection.end();
  }
}
