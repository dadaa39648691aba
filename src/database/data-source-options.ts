import mysql from 'mysql2/promise';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config.js';
import { ENTITIES } from './entities.js';
import { connectToFirstHost, failoverOptions } from './failover-pool.js';
import { MIGRATIONS } from './migrations/index.js';

/** MariaDB rejects the FOR SHARE that TypeORM's mysql dialect emits, so the dialect follows the server. */
export async function detectDriverType(db: DatabaseConfig): Promise<'mysql' | 'mariadb'> {
  if (db.type) return db.type;
  const connection = await connectToFirstHost(db);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    return String(rows[0].version).toLowerCase().includes('mariadb') ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

export async function buildDataSourceOptions(db: DatabaseConfig): Promise<DataSourceOptions> {
  return {
    type: await detectDriverType(db),
    host: db.host,
    port: db.port,
    username: db.username,
    password: db.password,
    database: db.database,
    charset: 'utf8mb4_unicode_ci',
    // DATETIME columns hold UTC; the driver reads and writes them as such.
    timezone: 'Z',
    poolSize: db.poolSize,
    // A transaction sends what it has queued as one round trip (BatchedTransaction); every value
    // still goes through the driver's escaping, never into the SQL text by hand.
    multipleStatements: true,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: db.logging,
    ...failoverOptions(db),
  };
}
