import type { FastifyInstance } from 'fastify';

export interface CorsPolicy {
  /** true: any origin (its own value is sent back); otherwise the origins allowed. */
  origins: true | string[];
  /** Request headers a browser may send cross-origin (answered to a preflight). */
  allowedHeaders: string[];
  /** Response headers a browser's script may read. */
  exposedHeaders: string[];
}

const ALLOWED_METHODS = 'GET,HEAD,POST';

/**
 * The contract's CORS lines, in the one onRequest hook a cross-origin request needs: a request
 * without an Origin header is not a browser's cross-origin call and pays nothing. (@fastify/cors
 * did the same work for every request and cost a quarter of a do-nothing request; see BENCHMARKS.md.)
 */
export function installCors(fastify: FastifyInstance, policy: CorsPolicy): void {
  const allowedHeaders = policy.allowedHeaders.join(', ');
  const exposedHeaders = policy.exposedHeaders.join(', ');
  const allowed = policy.origins === true ? undefined : new Set(policy.origins);
  fastify.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin === undefined) return done();
    // The answer depends on the Origin, so a cache must keep one per Origin.
    reply.header('vary', 'Origin');
    if (allowed && !allowed.has(origin)) return done();
    reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', exposedHeaders);
    if (request.method !== 'OPTIONS') return done();
    // A preflight is answered here, whatever the route: 204 with what may be sent.
    reply.header('access-control-allow-methods', ALLOWED_METHODS).header('access-control-allow-headers', allowedHeaders).header('content-length', '0').code(204).send();
  });
}
