import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ACCESS, type Access } from './access.decorators.js';
import { ForbiddenError } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import type { Caller } from './caller.js';

/** Every route needs a credential unless it is @Public(); @ApiKeyOnly() routes refuse user tokens. */
@Injectable()
export class AuthGuard implements CanActivate {
  /** A route's access, read from its decorators once: the metadata never changes after start-up. */
  private readonly accessOf = new WeakMap<object, Access>();

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const access = this.access(context);
    // A public route answers at once: no promise, nothing read.
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // The replay hook (MemoryReplays) authenticated it already.
    if (request.caller) return this.admit(request, request.caller, access);
    return this.auth.authenticate(request.headers.authorization).then((caller) => this.admit(request, caller, access));
  }

  private admit(request: FastifyRequest, caller: Caller, access: Access): boolean {
    if (access === 'api_key' && caller.kind !== 'api_key') throw new ForbiddenError('A user token may not do this; it needs an API key');
    request.caller = caller;
    request.context.accountId = caller.accountId;
    return true;
  }

  private access(context: ExecutionContext): Access {
    const handler = context.getHandler();
    let access = this.accessOf.get(handler);
    if (access === undefined) {
      access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [handler, context.getClass()]) ?? 'any';
      this.accessOf.set(handler, access);
    }
    return access;
  }
}
