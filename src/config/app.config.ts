import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env.js';

class AppEnv {
  @IsInt() @Min(0) @Max(65535) PORT: number = 3000;
  @IsString() HOST: string = '127.0.0.1';
  /** Largest accepted request body; a checkout request is a few hundred bytes. */
  @IsInt() @Min(1024) @Max(10 * 1024 * 1024) BODY_LIMIT_BYTES: number = 65536;
  /** Comma-separated origins allowed by CORS, or * for any. */
  @IsString() CORS_ORIGINS: string = '*';
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL: string = 'log';
  /** json: one JSON object a line, for machines; pretty: readable lines for a developer's terminal. */
  @IsIn(['json', 'pretty']) LOG_FORMAT: string = 'json';
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  /** How long a SIGTERM may take: requests in flight finish within it, then the process exits whatever is left. */
  @IsInt() @Min(1000) @Max(600_000) SHUTDOWN_GRACE_MS: number = 10_000;
  /** How often a process serving a light, steady load may collect its whole heap, so that RSS stays flat at low load; 0: never. Needs node --expose-gc (npm start passes it). */
  @IsInt() @Min(0) @Max(3_600_000) IDLE_GC_INTERVAL_MS: number = 30_000;
}

export const appConfig = registerAs('app', () => {
  const env = validateEnv(AppEnv);
  return {
    port: env.PORT,
    host: env.HOST,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    corsOrigins: env.CORS_ORIGINS === '*' ? (true as const) : env.CORS_ORIGINS.split(',').map((o) => o.trim()),
    logLevel: env.LOG_LEVEL as 'error' | 'warn' | 'log' | 'debug' | 'verbose',
    logFormat: env.LOG_FORMAT as 'json' | 'pretty',
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    idleGcIntervalMs: env.IDLE_GC_INTERVAL_MS,
  };
});
export type AppConfig = ReturnType<typeof appConfig>;
