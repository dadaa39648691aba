import { registerAs } from '@nestjs/config';
import { IsBooleanString, IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import { readFileSync } from 'node:fs';
import { validateEnv } from './validate-env.js';

/** One server of DB_HOST. */
export interface DatabaseHost {
  host: string;
  port: number;
}

/** `host`, or `host:port,host:port,…` (the nodes of a multi-primary cluster, tried in order); a missing port is `defaultPort`. Undefined when malformed. */
export function parseDatabaseHosts(value: string, defaultPort: number): DatabaseHost[] | undefined {
  const hosts: DatabaseHost[] = [];
  for (const entry of value.split(',')) {
    const match = /^([^\s:,]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
    if (!match || port < 1 || port > 65535) return undefined;
    hosts.push({ host: match[1], port });
  }
  return hosts;
}

const IsHostList = () =>
  ValidateBy({
    name: 'isHostList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseDatabaseHosts(value, 1) !== undefined,
      defaultMessage: () => 'must be a host, or a comma-separated list of host:port (ports 1 to 65535)',
    },
  });

/** KEY=VALUE lines of database.defaults.env, which the scripts and db.sh read too (nest build copies it beside this file). */
export const DATABASE_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  readFileSync(new URL('./database.defaults.env', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((match) => match !== null)
    .map((match) => [match[1], match[2]]),
);

/** Defaults point at the private server that scripts/db.sh starts. */
export class DatabaseEnv {
  /** mariadb or mysql; unset, it follows what the server says it is. */
  @IsOptional() @IsIn(['mysql', 'mariadb']) DB_TYPE?: 'mysql' | 'mariadb';
  @IsHostList() DB_HOST: string = '127.0.0.1';
  @IsInt() @Min(1) @Max(65535) DB_PORT: number = Number(DATABASE_DEFAULTS.DB_PORT);
  @IsString() DB_USER: string = DATABASE_DEFAULTS.DB_USER;
  @IsString() DB_PASSWORD: string = DATABASE_DEFAULTS.DB_PASSWORD;
  @IsString() DB_NAME: string = DATABASE_DEFAULTS.DB_NAME;
  @IsInt() @Min(1) @Max(500) DB_POOL_SIZE: number = 20;
  @IsBooleanString() DB_LOGGING: string = 'false';
  /** With several hosts: how long one that refused a connection is passed over before it is tried again. */
  @IsInt() @Min(100) @Max(600000) DB_HOST_RETRY_MS: number = 5000;
  /** How long start-up waits for the database to answer before it gives up (exit 1). */
  @IsInt() @Min(0) @Max(3_600_000) DB_CONNECT_TIMEOUT_MS: number = 60_000;
}

export function databaseSettings(env: NodeJS.ProcessEnv = process.env) {
  const db = validateEnv(DatabaseEnv, env);
  const hosts = parseDatabaseHosts(db.DB_HOST, db.DB_PORT)!;
  return {
    type: db.DB_TYPE,
    host: hosts[0].host,
    port: hosts[0].port,
    /** Every server in DB_HOST's order; the pool uses the first that answers. */
    hosts,
    hostRetryMs: db.DB_HOST_RETRY_MS,
    username: db.DB_USER,
    password: db.DB_PASSWORD,
    database: db.DB_NAME,
    poolSize: db.DB_POOL_SIZE,
    logging: db.DB_LOGGING === 'true',
    connectTimeoutMs: db.DB_CONNECT_TIMEOUT_MS,
  };
}
export type DatabaseConfig = ReturnType<typeof databaseSettings>;

export const databaseConfig = registerAs('database', () => databaseSettings());
