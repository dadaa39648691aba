import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SqlSession } from '../transaction/sql-session.js';

/**
 * What a request hands down to the services it calls, explicitly (not through AsyncLocalStorage,
 * which on Node 20 puts a hook on every promise of the process): the ids its log lines carry and,
 * inside an idempotent request, the transaction its writes and its stored answer commit in.
 */
export interface RequestContext {
  /** None for start-up and background work. */
  readonly requestId?: string;
  /** Set once the caller is authenticated. */
  accountId?: number;
  /** Set by the idempotency interceptor while the handler runs inside the request's transaction. */
  transaction?: SqlSession;
}

/** For work that serves no request: the CLI, start-up, background jobs. */
export const NO_REQUEST: RequestContext = Object.freeze({});

declare module 'fastify' {
  interface FastifyRequest {
    context: RequestContext;
  }
}

/** The fields a log line written for this work carries (none outside a request, or before a request got its context). */
export function logFieldsOf(context: RequestContext | null | undefined): { requestId?: string; accountId?: number } {
  return context?.requestId === undefined ? {} : { requestId: context.requestId, accountId: context.accountId };
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's X-Request-Id when it is sane, so logs can be joined across services. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
