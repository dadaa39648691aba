import { registerAs } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IsIn, IsInt, IsOptional, IsString, Max, MinLength, Min } from 'class-validator';
import { validateEnv } from './validate-env.js';

/** Where the private development database keeps what it generates for itself (git-ignored). */
export const DEV_SECRET_FILE = '.data/auth-token-secret';
export const DEV_API_KEY_FILE = '.data/dev-api-key';

class AuthEnv {
  /** Signs user tokens (HS256); at least 32 characters. Unset on the private database: generated under .data/. */
  @IsOptional() @IsString() @MinLength(32) AUTH_TOKEN_SECRET?: string;
  /** How long a user token minted for a browser stays valid. */
  @IsInt() @Min(30) @Max(86_400) USER_TOKEN_TTL_SECONDS: number = 900;
  /** How long a verified API key is trusted without asking the database again (a revocation takes at most this long). */
  @IsInt() @Min(0) @Max(300_000) AUTH_API_KEY_CACHE_MS: number = 5_000;
  /** auto: on the private database (DB_HOST unset), make a development account and key at start-up and print it. */
  @IsIn(['auto', 'on', 'off']) DEV_CREDENTIALS: string = 'auto';
  @IsOptional() @IsString() DB_HOST?: string;
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
}

export function authSettings(env: NodeJS.ProcessEnv = process.env) {
  const auth = validateEnv(AuthEnv, env);
  const privateDatabase = auth.DB_HOST === undefined && auth.NODE_ENV !== 'production';
  const tokenSecret = auth.AUTH_TOKEN_SECRET ?? (privateDatabase ? developmentSecret() : undefined);
  if (!tokenSecret) {
    throw new Error('Invalid environment: AUTH_TOKEN_SECRET must be set (32 characters or more) when DB_HOST is set or NODE_ENV=production');
  }
  return {
    tokenSecret,
    userTokenTtlSeconds: auth.USER_TOKEN_TTL_SECONDS,
    apiKeyCacheMs: auth.AUTH_API_KEY_CACHE_MS,
    devCredentials: auth.DEV_CREDENTIALS === 'on' || (auth.DEV_CREDENTIALS === 'auto' && privateDatabase),
  };
}
export type AuthConfig = ReturnType<typeof authSettings>;

export const authConfig = registerAs('auth', () => authSettings());

/** The private database's signing secret: made once, kept in .data/, shared by every process started here. */
function developmentSecret(): string {
  try {
    return readFileSync(DEV_SECRET_FILE, 'utf8').trim();
  } catch {
    mkdirSync(dirname(DEV_SECRET_FILE), { recursive: true });
    // Written whole, then linked into place: when two processes start at once, both end up with the first one's secret.
    const draft = `${DEV_SECRET_FILE}.${process.pid}`;
    writeFileSync(draft, randomBytes(32).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(draft, DEV_SECRET_FILE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
    return readFileSync(DEV_SECRET_FILE, 'utf8').trim();
  }
}
