import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config.js';
import { ENTITIES } from './entities.js';
import { failoverOptions } from './failover-pool.js';
import { MIGRATIONS } from './migrations/index.js';
import { waitForDatabase } from './wait-for-database.js';

/** MariaDB rejects the FOR SHARE that TypeORM's mysql dialect emits, so the dialect follows the server. */
export async function detectDriverType(db: DatabaseConfig): Promise<'mysql' | 'mariadb'> {
  // Waited for even when DB_TYPE names the dialect: TypeORM's own retry gives up after a few seconds.
  const version = await waitForDatabase(db);
  if (db.type) return db.type;
  return version.toLowerCase().includes('mariadb') ? 'mariadb' : 'mysql';
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
