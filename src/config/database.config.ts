import { registerAs } from '@nestjs/config';
import { IsBooleanString, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env.js';

/** Defaults point at the private server that scripts/db.sh starts. */
export class DatabaseEnv {
  /** mariadb or mysql; unset, it follows what the server says it is. */
  @IsOptional() @IsIn(['mysql', 'mariadb']) DB_TYPE?: 'mysql' | 'mariadb';
  @IsString() DB_HOST: string = '127.0.0.1';
  @IsInt() @Min(1) @Max(65535) DB_PORT: number = 3307;
  @IsString() DB_USER: string = 'payonce';
  @IsString() DB_PASSWORD: string = 'payonce';
  @IsString() DB_NAME: string = 'payonce';
  @IsInt() @Min(1) @Max(500) DB_POOL_SIZE: number = 20;
  @IsBooleanString() DB_LOGGING: string = 'false';
  /** How long start-up waits for the database to answer before it gives up (exit 1). */
  @IsInt() @Min(0) @Max(3_600_000) DB_CONNECT_TIMEOUT_MS: number = 60_000;
}

export function databaseSettings(env: NodeJS.ProcessEnv = process.env) {
  const db = validateEnv(DatabaseEnv, env);
  return {
    type: db.DB_TYPE,
    host: db.DB_HOST,
    port: db.DB_PORT,
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
