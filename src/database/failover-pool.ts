import { Logger } from '@nestjs/common';
import mysql, { type Pool, type PoolOptions } from 'mysql2';
import type { DatabaseConfig, DatabaseHost } from '../config/database.config.js';

const logger = new Logger('DatabaseFailover');

type Callback = (error: NodeJS.ErrnoException | null, connection?: mysql.PoolConnection) => void;

/**
 * mysql2 as TypeORM's driver option, with `createPool` spread over several servers (the nodes of a
 * Galera cluster): every new connection goes to the first server in the list that accepts one
 * and is ready. A server that refuses, or a Galera node that is not ready (still joining, or cut
 * off from the majority), is passed over for `retryMs`, then tried again, so a process moves back
 * to its own node once it has rejoined. Connections already open on a server that died fail
 * with it; the pool drops them and the next one comes from the next server.
 */
/** True unless the server is a Galera node (wsrep_on) that may not serve queries yet; a server that cannot say is not ready. */
function galeraReady(connection: mysql.PoolConnection, done: (ready: boolean) => void): void {
  connection.query<mysql.RowDataPacket[]>("SHOW VARIABLES LIKE 'wsrep_on'", (error, variables) => {
    if (error) return done(false);
    if (variables.length === 0 || variables[0].Value !== 'ON') return done(true); // not a cluster node: MySQL, or MariaDB alone
    connection.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'wsrep_ready'", (statusError, status) => done(!statusError && status[0]?.Value === 'ON'));
  });
}

export function failoverDriver(hosts: DatabaseHost[], retryMs: number) {
  return {
    ...mysql,
    createPool(options: PoolOptions): Pick<Pool, 'getConnection' | 'end'> {
      const cluster = mysql.createPoolCluster({ canRetry: true, removeNodeErrorCount: 1, restoreNodeTimeout: retryMs, defaultSelector: 'ORDER' });
      hosts.forEach((server, i) => cluster.add(`db${i + 1}`, { ...options, host: server.host, port: server.port }));
      const name = (id: string) => {
        const server = hosts[Number(id.slice(2)) - 1];
        return `${server.host}:${server.port}`;
      };
      cluster.on('warn', () => undefined); // each failed attempt; 'offline' below says it once per server
      cluster.on('offline', (id: string) => logger.warn(`database ${name(id)} refused a connection: using the next host for ${retryMs} ms`));
      cluster.on('online', (id: string) => logger.log(`database ${name(id)} answers again`));

      const notReadyUntil = new Map<string, number>();
      const ready = new WeakSet<object>();
      const getConnection = (callback: Callback): void => {
        const skipped = [...notReadyUntil].filter(([, until]) => until > Date.now()).map(([id]) => id);
        // mysql2 takes a RegExp for the pattern too (its typings say string): every server but the skipped ones.
        const pattern = skipped.length ? (new RegExp(`^(?!(?:${skipped.join('|')})$)`) as unknown as string) : '*';
        const candidates = cluster.of(pattern, 'ORDER');
        candidates.getConnection((error, connection) => {
          if (error || ready.has(connection)) return callback(error, connection);
          // Once per connection: a Galera node accepts connections before it may serve them (error 1047 on every query).
          galeraReady(connection, (isReady) => {
            if (isReady) {
              ready.add(connection);
              return callback(null, connection);
            }
            const id = (connection as unknown as { _clusterId: string })._clusterId;
            notReadyUntil.set(id, Date.now() + retryMs);
            logger.warn(`database ${name(id)} is not ready (Galera wsrep_ready is not ON): using the next host for ${retryMs} ms`);
            connection.destroy();
            getConnection(callback); // bounded: with every server passed over, the cluster answers POOL_NOEXIST
          });
        });
      };
      return {
        getConnection: getConnection as Pool['getConnection'],
        end: (callback?: (error: NodeJS.ErrnoException | null) => void) => cluster.end(callback as never),
      } as Pick<Pool, 'getConnection' | 'end'>;
    },
  };
}

/** TypeORM's driver option when DB_HOST lists several servers; one server keeps TypeORM's own pool. */
export function failoverOptions(db: DatabaseConfig): { driver?: ReturnType<typeof failoverDriver> } {
  return db.hosts.length > 1 ? { driver: failoverDriver(db.hosts, db.hostRetryMs) } : {};
}
