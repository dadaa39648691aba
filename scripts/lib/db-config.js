// Connection settings for the plain-Node code (audit, bench, the jest global setup): the same variables and defaults
// as the service (src/config/database.config.ts), read from the environment or .env.
import { existsSync, readFileSync } from 'node:fs';

/** KEY=VALUE lines of a dotenv file, as an object. */
function readEnvFile(path) {
  const values = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  return values;
}

/** The database defaults, written once for the app, these scripts and db.sh. */
const DEFAULTS = /** @type {{ DB_PORT: string, DB_USER: string, DB_PASSWORD: string, DB_NAME: string, DB_TEST_NAME: string }} */ (
  readEnvFile(new URL('../../src/config/database.defaults.env', import.meta.url))
);

export function loadDotEnv(path = '.env') {
  if (!existsSync(path)) return;
  for (const [key, value] of Object.entries(readEnvFile(path))) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}

/** DB_HOST may list several servers (`host:port,host:port`, a cluster's nodes): these tools use the first. */
export function firstHost(env = process.env) {
  const [host, port] = (env.DB_HOST ?? '127.0.0.1').split(',')[0].trim().split(':');
  return { host, port: Number(port ?? env.DB_PORT ?? DEFAULTS.DB_PORT) };
}

export function connectionOptions(env = process.env) {
  return {
    ...firstHost(env),
    user: env.DB_USER ?? DEFAULTS.DB_USER,
    password: env.DB_PASSWORD ?? DEFAULTS.DB_PASSWORD,
    database: env.DB_NAME ?? DEFAULTS.DB_NAME,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  };
}

/** The e2e database; refused unless its name says test, because the suite empties it. */
export function testDatabaseName(env = process.env) {
  const name = env.DB_TEST_NAME ?? DEFAULTS.DB_TEST_NAME;
  if (!/test/i.test(name)) throw new Error(`Refusing to use database "${name}" for tests: its name must contain "test"`);
  return name;
}

/** Drops every table of the connection's database (a test database: the migrations build it anew). */
export async function dropAllTables(connection) {
  const [tables] = await connection.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
  await connection.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const { name } of tables) await connection.query(`DROP TABLE \`${name}\``);
}
