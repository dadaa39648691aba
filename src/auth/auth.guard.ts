import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { requestContext } from '../common/logging/index.js';
import { ACCESS, type Access } from './access.decorators.js';
import { ForbiddenError } from './auth.errors.js';
import { AuthService } from './auth.service.js';

/** Every route needs a credential unless it is @Public(); @ApiKeyOnly() routes refuse user tokens. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'any';
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = await this.auth.authenticate(request.headers.authorization);
    if (access === 'api_key' && caller.kind !== 'api_key') throw new ForbiddenError('A user token may not do this; it needs an API key');
    request.caller = caller;
    const logContext = requestContext.getStore();
    if (logContext) logContext.accountId = caller.accountId;
    return true;
  }
}
