// Connection settings for the plain-Node code (audit, bench, the jest global setup): the same variables and defaults
// as the service (src/config/database.config.ts), read from the environment or .env.
import { existsSync, readFileSync } from 'node:fs';

export function loadDotEnv(path = '.env') {
  if (!existsSync(path)) return;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
  }
}

/** DB_HOST may list several servers (`host:port,host:port`, a cluster's nodes): these tools use the first. */
export function firstHost(env = process.env) {
  const [host, port] = (env.DB_HOST ?? '127.0.0.1').split(',')[0].trim().split(':');
  return { host, port: Number(port ?? env.DB_PORT ?? 3307) };
}

export function connectionOptions(env = process.env) {
  return {
    ...firstHost(env),
    user: env.DB_USER ?? 'payonce',
    password: env.DB_PASSWORD ?? 'payonce',
    database: env.DB_NAME ?? 'payonce',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  };
}

/** The e2e database; refused unless its name says test, because the suite empties it. */
export function testDatabaseName(env = process.env) {
  const name = env.DB_TEST_NAME ?? 'payonce_test';
  if (!/test/i.test(name)) throw new Error(`Refusing to use database "${name}" for tests: its name must contain "test"`);
  return name;
}

/** Drops every table of the connection's database (a test database: the migrations build it anew). */
export async function dropAllTables(connection) {
  const [tables] = await connection.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
  await connection.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const { name } of tables) await connection.query(`DROP TABLE \`${name}\``);
}
