import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type {} from '../../auth/caller.js';
import type {} from '../../idempotency/idempotency-outcome.js';
import { shortHash } from './short-hash.js';

/**
 * The one line a request leaves when it is answered: who, what route, how it ended and how long
 * it took. Never the URL's values, a header, a credential, a body or the Idempotency-Key itself.
 */
export function logRequest(logger: Logger, request: FastifyRequest, reply: FastifyReply, route: string): void {
  const status = reply.statusCode;
  // A 500 is a fault to look at; a 503 (database gone, stopping, busy) is expected and logged once as an event elsewhere.
  const level = status === 503 ? 'warn' : status >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const idempotency = request.idempotency;
  logger[level](
    {
      requestId: request.id,
      method: request.method,
      route,
      status,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      accountId: request.caller?.accountId,
      idempotency: idempotency?.outcome,
      keyHash: idempotency?.key === undefined ? undefined : shortHash(idempotency.key),
    },
    'request',
  );
}
