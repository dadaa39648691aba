import { Logger } from '@nestjs/common';
import mysql, { type Pool, type PoolOptions } from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import type { DatabaseConfig, DatabaseHost } from '../config/database.config.js';

/**
 * mysql2 as TypeORM's driver option, with `createPool` spread over several servers (the nodes of a
 * Galera cluster): every new connection goes to the first server in the list that accepts one.
 * A server that refuses is passed over for `retryMs`, then tried again, so a process moves back
 * to its own node once it has rejoined. Connections already open on a server that died fail
 * with it; the pool drops them and the next one comes from the next server.
 */
const logger = new Logger('DatabaseFailover');

export function failoverDriver(hosts: DatabaseHost[], retryMs: number) {
  return {
    ...mysql,
    createPool(options: PoolOptions): Pick<Pool, 'getConnection' | 'end'> {
      const cluster = mysql.createPoolCluster({ canRetry: true, removeNodeErrorCount: 1, restoreNodeTimeout: retryMs, defaultSelector: 'ORDER' });
      hosts.forEach((server, i) => cluster.add(`db${i + 1}`, { ...options, host: server.host, port: server.port }));
      const name = (id: string) => { const server = hosts[Number(id.slice(2)) - 1]; return `${server.host}:${server.port}`; };
      cluster.on('warn', () => undefined); // each failed attempt; 'offline' below says it once per server
      cluster.on('offline', (id: string) => logger.warn(`database ${name(id)} refused a connection: using the next host for ${retryMs} ms`));
      cluster.on('online', (id: string) => logger.log(`database ${name(id)} answers again`));
      const inOrder = cluster.of('*', 'ORDER');
      return {
        getConnection: (callback) => inOrder.getConnection(callback as never),
        end: (callback?: (error: NodeJS.ErrnoException | null) => void) => cluster.end(callback as never),
      } as Pick<Pool, 'getConnection' | 'end'>;
    },
  };
}

/** TypeORM's driver option when DB_HOST lists several servers; one server keeps TypeORM's own pool. */
export function failoverOptions(db: DatabaseConfig): { driver?: ReturnType<typeof failoverDriver> } {
  return db.hosts.length > 1 ? { driver: failoverDriver(db.hosts, db.hostRetryMs) } : {};
}

/** A single connection to the first server of DB_HOST that answers (the others are tried in order). */
export async function connectToFirstHost(db: DatabaseConfig): Promise<mysqlPromise.Connection> {
  let lastError: unknown;
  for (const server of db.hosts) {
    try {
      return await mysqlPromise.createConnection({ host: server.host, port: server.port, user: db.username, password: db.password, connectTimeout: 5000 });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
