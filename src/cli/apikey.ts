// npm run apikey:create -- <account name>   a new key (and the account when new); the key alone on the last line
// npm run apikey:revoke -- <prefix or id>   revokes one active key
// Works against the configured database (DB_* or .env), like the app; migrations run first.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { ApiKeyRepository } from '../auth/api-key.repository.js';
import { ApiKeyService } from '../auth/api-key.service.js';
import { AmbiguousApiKeyError } from '../auth/auth.errors.js';
import { databaseConfig } from '../config/index.js';
import { DatabaseModule } from '../database/database.module.js';

const MAX_ACCOUNT_NAME = 100;

@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true, cache: true, load: [databaseConfig] }), DatabaseModule],
  providers: [ApiKeyRepository, ApiKeyService],
})
class ApiKeyCliModule {}

async function main([command, argument]: string[]): Promise<number> {
  if ((command !== 'create' && command !== 'revoke') || !argument) {
    console.error('usage: apikey create <account name> | apikey revoke <key prefix or id>');
    return 2;
  }
  if (command === 'create' && (argument.trim() !== argument || argument.length > MAX_ACCOUNT_NAME)) {
    console.error(`an account name is 1 to ${MAX_ACCOUNT_NAME} characters without surrounding spaces`);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(ApiKeyCliModule, { logger: ['error'] });
  try {
    const apiKeys = app.get(ApiKeyService);
    if (command === 'create') {
      const created = await apiKeys.create(argument);
      console.log(`${created.accountCreated ? 'created' : 'existing'} account "${argument}" (id ${created.accountId})`);
      console.log(`API key ${created.prefix}… (id ${created.id}): shown once, only its hash is stored. Send it as Authorization: Bearer <key>`);
      console.log(created.key);
      return 0;
    }
    const revoked = await apiKeys.revoke(argument);
    if (!revoked) {
      console.error(`no active API key with id or prefix ${argument}`);
      return 1;
    }
    console.log(`revoked API key ${revoked.prefix}… (id ${revoked.id})`);
    return 0;
  } catch (error) {
    if (!(error instanceof AmbiguousApiKeyError)) throw error;
    console.error(error.message);
    return 1;
  } finally {
    await app.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
