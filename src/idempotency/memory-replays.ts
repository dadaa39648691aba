import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS, type Access } from '../auth/access.decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { scopeUserIdOf } from '../auth/caller.js';
import { toErrorResponse } from '../common/errors/index.js';
import { sendJson } from '../common/http/send-json.js';
import { parseIdempotencyKey } from './idempotency-key.parser.js';
import { noteIdempotency } from './idempotency-outcome.js';
import { IdempotencyService } from './idempotency.service.js';
import type { IdempotentOptions } from './idempotent.options.js';
import { requestFingerprint } from './request-fingerprint.js';
import { storedHeaders } from './stored-response.js';

/** An idempotent route as the replay hook needs it: its key rule and who may call it. */
export interface IdempotentRoute {
  required: boolean;
  access: Access;
}

/** What the replay hook worked out for a request it could not answer, so the interceptor does not work it out again. */
export interface IdempotencyLookup {
  key: string;
  fingerprint: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyLookup: IdempotencyLookup | null;
  }
}

const routeKeyOf = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url}`;

/** The request's key and the fingerprint of what it asks; null when it sends no key and the route needs none. Throws the key's 400 when it is invalid. */
export function lookupOf(request: FastifyRequest, required: boolean): IdempotencyLookup | null {
  const key = parseIdempotencyKey(request.raw.rawHeaders, required);
  return key === null ? null : { key, fingerprint: requestFingerprint(request.method, request.url, request.body) };
}

/**
 * Replays of keys this process holds in memory, answered in a Fastify preHandler hook, before
 * Nest's guard, interceptor chain and rxjs: a replay is most of a checkout's retries, and there it
 * costs only what it uses. It applies the guard's credential rules and the interceptor's key,
 * scope and fingerprint rules, and answers only an exact hit (the stored bytes) or a reused key;
 * everything else (no credential, a user token on an API-key route, a bad or absent key, a key
 * not in memory) goes on to Nest unchanged, which answers it exactly as before. A route is
 * known here once the interceptor has run for it: its rules live on its decorators.
 */
@Injectable()
export class MemoryReplays {
  private readonly routes = new Map<string, IdempotentRoute>();

  constructor(
    private readonly auth: AuthService,
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  /** Called by the interceptor for every request it sees: learns the rules of the route (its handler and controller) once. */
  learn(request: FastifyRequest, options: IdempotentOptions, handler: Function, controller: Function): void {
    const routeKey = routeKeyOf(request);
    if (this.routes.has(routeKey)) return;
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [handler, controller]) ?? 'any';
    this.routes.set(routeKey, { required: options.required, access });
  }

  /** Call before the routes are registered: the hook goes on POST routes only (every idempotent route is one), so a GET pays nothing for it. */
  attach(fastify: FastifyInstance): void {
    fastify.decorateRequest('idempotencyLookup', null);
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const route = this.routes.get(routeKeyOf(request));
      if (route === undefined) return done();
      this.auth.authenticate(request.headers.authorization).then(
        (caller) => {
          if (route.access === 'api_key' && caller.kind !== 'api_key') return done();
          // The guard finds the caller here and does not authenticate it again.
          request.caller = caller;
          request.context.accountId = caller.accountId;
          if (!this.answer(request, reply, route, { accountId: caller.accountId, userId: scopeUserIdOf(caller) })) done();
        },
        // The guard sees the same credential and answers 401 in the contract's words.
        () => done(),
      );
    };
    fastify.addHook('onRoute', (route) => {
      if (![route.method].flat().includes('POST')) return;
      route.preHandler = route.preHandler === undefined ? [hook] : [...[route.preHandler].flat(), hook];
    });
  }

  /** True when the request was answered from memory. */
  private answer(request: FastifyRequest, reply: FastifyReply, route: IdempotentRoute, scope: { accountId: number; userId: number }): boolean {
    let lookup: IdempotencyLookup | null;
    try {
      lookup = lookupOf(request, route.required);
    } catch {
      return false;
    }
    if (lookup === null) return false;
    const { key, fingerprint } = lookup;
    let stored;
    try {
      stored = this.idempotency.fromMemory(scope, key, fingerprint);
    } catch (error) {
      noteIdempotency(request, 'reused', key);
      const { body, headers } = toErrorResponse(error);
      sendJson(reply, body.statusCode, JSON.stringify(body), headers);
      return true;
    }
    if (stored === undefined) {
      request.idempotencyLookup = lookup;
      return false;
    }
    noteIdempotency(request, 'replayed', key);
    reply.code(stored.status).headers(storedHeaders(stored, true)).send(stored.body);
    return true;
  }
}
