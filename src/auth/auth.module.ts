import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { DevCredentials } from './dev-credentials.js';
import { UserTokenService } from './user-token.service.js';

/** Who is calling: API keys, user tokens, and the guard in front of every route. */
@Module({
  providers: [ApiKeyRepository, ApiKeyService, UserTokenService, AuthService, DevCredentials, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeyService, UserTokenService, DevCredentials, AuthService],
})
export class AuthModule {}
